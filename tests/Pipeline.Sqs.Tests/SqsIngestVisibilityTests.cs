using Pipeline.Buffers;
using Pipeline.Ingest;
using Pipeline.Lake;

namespace Pipeline.Sqs.Tests;

/// <summary>The in-process source against fauxqs: what a slow lake does to the messages in flight.</summary>
[Collection(SqsCollection.Name)]
public sealed class SqsIngestVisibilityTests(SqsServers servers)
{
    /// <summary>A local lake whose staging takes <paramref name="delay"/>: a batch slower than the visibility timeout.</summary>
    private sealed class SlowLake(string root, TimeSpan delay) : ILakeSink
    {
        private readonly LocalLake _lake = new(root);

        public string Describe => _lake.Describe;

        public LakeLayout Local => _lake.Local;

        public bool IsObjectStore => false;

        public IInputCheckpoint InputCheckpoint => _lake.InputCheckpoint;

        public async Task StageAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken);
            await _lake.StageAsync(area, batches, cancellationToken);
        }

        public Task PublishAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken) => _lake.PublishAsync(area, batches, cancellationToken);

        public Task DiscardAsync(StagingArea area, BatchManifest batch, CancellationToken cancellationToken) => _lake.DiscardAsync(area, batch, cancellationToken);

        public Task<SinkRecovery> RecoverAsync(StagingArea area, Func<BatchManifest, ValueTask<bool>> committed, CancellationToken cancellationToken) =>
            _lake.RecoverAsync(area, committed, cancellationToken);

        public Task<SinkRecovery> ResolveAsync(StagingArea area, Func<BatchManifest, ValueTask<StagedDecision>> decide, CancellationToken cancellationToken) =>
            _lake.ResolveAsync(area, decide, cancellationToken);
    }

    [Fact]
    public async Task RunAsync_BatchSlowerThanVisibility_MessageKeptHiddenThenDeletedOnce()
    {
        using var tmp = new TempDir();
        using var q = await TrailQueue.CreateAsync(servers.Aws, servers.SqsEndpoint, "slow");
        var key = await q.PutLogFileAsync(events: 30);
        await q.SendAsync(Notices.S3Event(key, bucket: q.Bucket));
        var options = new SqsSourceOptions { Queue = q.QueueUrl, Visibility = TimeSpan.FromSeconds(5), Receivers = 1, UntilIdle = TimeSpan.FromSeconds(2) };
        using var s3 = servers.Aws.S3Client();
        using var sqs = servers.SqsClient();
        var ingest = new SqsIngest(options, new IngestOptions(), new SlowLake(tmp.Sub("lake"), TimeSpan.FromSeconds(12)), sqs, s3, TimeProvider.System, budget: MemoryBudget.FromMiB(64));

        var run = ingest.RunAsync(CancellationToken.None);

        while (ingest.Stats.Messages == 0 && !run.IsCompleted)
        {
            await Task.Delay(10);
        }

        // Another worker polling all along (short polls: a pending long poll would take the message on the server).
        var stolen = 0;
        while (!run.IsCompleted)
        {
            var got = await q.Sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = q.QueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 0 });
            stolen += got.Messages?.Count ?? 0;
            await Task.Delay(250);
        }

        var result = await run;
        Assert.Equal(0, stolen);
        Assert.True(result.Stats.VisibilityExtensions >= 3, $"{result.Stats.VisibilityExtensions} extensions");
        Assert.Equal(1, result.Stats.DeletedMessages);
        Assert.Empty(result.Unwritten);
        LakeReader.AssertExactlyOnce(tmp.Sub("lake"), q.EventIds);
        Assert.Equal(0, await q.CountAsync());
    }
}

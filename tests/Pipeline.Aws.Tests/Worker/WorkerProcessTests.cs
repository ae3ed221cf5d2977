using System.Net;
using Pipeline.Aws.Tests.Consumer;
using Pipeline.Aws.Tests.Support;

namespace Pipeline.Aws.Tests.Worker;

/// <summary>The worker service reading Kinesis, as it runs in a pod: a process configured by environment variables.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class WorkerProcessTests(LocalAws aws)
{
    [Fact]
    public async Task Worker_RunsThenSigterm_HealthMetricsAndGracefulFlush()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("worker");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 2);
        using var kinesis = client;
        await feeder.PutMixedAsync(1_000);
        using var worker = new WorkerProcess(
            ("Worker__Lake", tmp.Path),
            ("Kinesis__Stream", name),
            ("Kinesis__Endpoint", aws.KinesisEndpoint.ToString()),
            ("Kinesis__LeaseTable", "leases-" + name),
            ("Kinesis__DynamoDbEndpoint", aws.DynamoDbEndpoint.ToString()),
            ("Kinesis__FlushAge", "01:00:00"),
            ("Kinesis__IdlePollInterval", "00:00:00.100"));

        await worker.UntilAsync(async () => (await worker.GetAsync("/health/live")).Status == HttpStatusCode.OK, "never live");
        await worker.UntilAsync(async () => (await worker.GetAsync("/health/ready")).Status == HttpStatusCode.OK, "never ready");
        await worker.UntilAsync(async () => WorkerProcess.Metric((await worker.GetAsync("/metrics")).Body, "pipeline_records_total") >= 1_000, "records never counted");
        var metrics = (await worker.GetAsync("/metrics")).Body;
        Assert.Contains("pipeline_kinesis_millis_behind_latest", metrics, StringComparison.Ordinal);
        Assert.Contains("pipeline_shards_held", metrics, StringComparison.Ordinal);

        // Nothing is flushed yet (flush age one hour): SIGTERM must flush, checkpoint and exit 0.
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "tls_events")));
        worker.Signal("TERM");
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGTERM");
        Assert.True(worker.ExitCode == 0, await worker.OutputAsync());
        StreamHarness.AssertExactlyOnce(tmp.Path, feeder.EventIds);
    }

    [Fact]
    public async Task Worker_MissingStream_FailsAtStartNamingTheSetting()
    {
        using var tmp = new TempDir();
        using var worker = new WorkerProcess(("Worker__Lake", tmp.Path));

        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(0, worker.ExitCode);
        Assert.Contains("Stream", await worker.OutputAsync(), StringComparison.Ordinal);
    }
}

using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Pipeline.Worker.Tests.Worker;

/// <summary>The worker service reading Kinesis, as it runs in a pod: a process configured by environment variables.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class WorkerProcessTests(LocalAws aws)
{
    /// <summary>A worker on the local Kinesis and lease table, flushing only when stopped, writing to <paramref name="lake"/>.</summary>
    private WorkerProcess KinesisWorker(string stream, params (string Name, string Value)[] lake) => new(
        [.. lake,
        ("Kinesis__Stream", stream),
        ("Kinesis__Endpoint", aws.KinesisEndpoint.ToString()),
        ("Kinesis__LeaseTable", "leases-" + stream),
        ("Kinesis__DynamoDbEndpoint", aws.DynamoDbEndpoint.ToString()),
        ("Kinesis__FlushAge", "01:00:00"),
        ("Kinesis__IdlePollInterval", "00:00:00.100")]);

    [Fact]
    public async Task Worker_RunsThenSigterm_HealthMetricsAndGracefulFlush()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("worker");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 2);
        using var kinesis = client;
        await feeder.PutMixedAsync(1_000);
        using var worker = KinesisWorker(name, ("Worker__Lake", tmp.Path));

        await worker.UntilAsync(async () => (await worker.GetAsync("/health/live")).Status == HttpStatusCode.OK, "never live");
        await worker.UntilAsync(async () => (await worker.GetAsync("/health/ready")).Status == HttpStatusCode.OK, "never ready");
        await worker.UntilAsync(async () => WorkerProcess.Metric((await worker.GetAsync("/metrics")).Body, "pipeline_records_total") >= 1_000, "records never counted");
        var metrics = (await worker.GetAsync("/metrics")).Body;
        Assert.Contains("pipeline_kinesis_millis_behind_latest", metrics, StringComparison.Ordinal);
        Assert.Contains("pipeline_shards_held", metrics, StringComparison.Ordinal);
        MetricsReference.AssertScrapeDocumented(metrics);

        // Nothing is flushed yet (flush age one hour): SIGTERM must flush, checkpoint and exit 0.
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "tls_events")));
        worker.Signal("TERM");
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGTERM");
        Assert.True(worker.ExitCode == 0, await worker.OutputAsync());
        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
    }

    [Fact]
    public async Task Worker_IntoS3Lake_SigtermPublishesEveryEventOnceAndLeavesNoIntents()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("worker-s3");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 2);
        using var kinesis = client;
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "lake");
        await feeder.PutMixedAsync(600);
        using var worker = KinesisWorker(
            name, ("Worker__Lake", $"s3://{bucket}/org/lake"), ("Worker__Staging", tmp.Sub("staging")), ("Worker__S3Endpoint", aws.S3Endpoint.ToString()));

        await worker.UntilAsync(async () => WorkerProcess.Metric((await worker.GetAsync("/metrics")).Body, "pipeline_records_total") >= 600, "records never counted");
        worker.Signal("TERM");
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGTERM");
        Assert.True(worker.ExitCode == 0, await worker.OutputAsync());

        // Every event is in the bucket once, and no upload intent is left behind.
        await S3Objects.DownloadTableAsync(s3, bucket, "org/lake/", tmp.Sub("downloaded"));
        LakeReader.AssertExactlyOnce(tmp.Sub("downloaded"), feeder.EventIds);
        var staging = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "org/lake/_staging/" });
        Assert.Empty(staging.S3Objects ?? []);
        Assert.False(Directory.Exists(Path.Combine(tmp.Sub("staging"), "tls_events")) && Directory.EnumerateFiles(Path.Combine(tmp.Sub("staging"), "tls_events"), "*.parquet", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task Worker_S3LakeWithoutLeaseTable_FailsAtStartNamingTheSetting()
    {
        using var worker = new WorkerProcess(("Worker__Lake", "s3://some-bucket/lake"), ("Kinesis__Stream", "any"));

        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(0, worker.ExitCode);
        Assert.Contains("Kinesis:LeaseTable is required", await worker.OutputAsync(), StringComparison.Ordinal);
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

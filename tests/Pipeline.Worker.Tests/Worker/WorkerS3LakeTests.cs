using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Demo;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.S3;

namespace Pipeline.Worker.Tests.Worker;

/// <summary>The worker reading a Kafka topic (librdkafka's mock cluster) into an S3 lake (s3rver).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class WorkerS3LakeTests(LocalAws aws)
{
    [Fact]
    public async Task Worker_KafkaIntoS3Lake_SigtermPublishesEveryEventOnce()
    {
        using var tmp = new TempDir();
        using var cluster = new MockCluster();
        var messages = new MixedMessages();
        cluster.CreateTopic("trail", 2);
        cluster.Produce("trail", messages.Next(800));
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "wklake");
        using var worker = new WorkerProcess(
            ("Worker__Source", "kafka"),
            ("Worker__Lake", $"s3://{bucket}/lake"),
            ("Worker__Staging", tmp.Sub("staging")),
            ("Worker__S3Endpoint", aws.S3Endpoint.ToString()),
            ("Kafka__BootstrapServers", cluster.Bootstrap),
            ("Kafka__Topic", "trail"),
            ("Kafka__Group", "workers"),
            ("Kafka__Settings__group.protocol", "consumer"),
            ("Kafka__FlushAge", "01:00:00"));

        await worker.UntilAsync(async () => WorkerProcess.Metric((await worker.GetAsync("/metrics")).Body, "pipeline_records_total") >= 800, "records never counted");
        worker.Signal("TERM");
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGTERM");
        Assert.True(worker.ExitCode == 0, await worker.OutputAsync());

        var keys = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "lake/" })).S3Objects.Select(o => o.Key).ToList();
        Assert.DoesNotContain(keys, k => k.StartsWith("lake/_staging/", StringComparison.Ordinal));
        await S3Objects.DownloadTableAsync(s3, bucket, "lake/", tmp.Sub("downloaded"));
        LakeReader.AssertExactlyOnce(tmp.Sub("downloaded"), messages.EventIds);
    }
}

namespace Pipeline.Worker.Tests.Worker;

/// <summary>The worker tailing a trail bucket through its notification queue (fauxqs, s3rver), as the chart runs it.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class WorkerSqsTests(LocalAws aws)
{
    [Fact]
    public async Task Worker_SqsSource_SigtermAfterTheQueueDrainsEveryEventOnce()
    {
        using var tmp = new TempDir();
        var sqsEndpoint = await aws.StartFauxqsAsync();
        using var q = await TrailQueue.CreateAsync(aws, sqsEndpoint, "worker");
        for (var i = 0; i < 10; i++)
        {
            var key = await q.PutLogFileAsync(events: 30);
            await q.SendAsync(i % 2 == 0 ? Notices.S3Event(key, bucket: q.Bucket) : Notices.Sns(Notices.CloudTrailNotice(q.Bucket, key)));
        }

        var lake = tmp.Sub("lake");
        using var worker = new WorkerProcess(
            ("Worker__Source", "sqs"),
            ("Worker__Lake", lake),
            ("Sqs__Queue", q.QueueUrl),
            ("Sqs__Endpoint", sqsEndpoint.ToString()),
            ("Sqs__S3Endpoint", aws.S3Endpoint.ToString()),
            ("Sqs__WaitTime", "00:00:02"));

        await worker.UntilAsync(async () => WorkerProcess.Metric((await worker.GetAsync("/metrics")).Body, "pipeline_sqs_messages_deleted_total") >= 10, "messages never deleted");
        MetricsReference.AssertScrapeDocumented((await worker.GetAsync("/metrics")).Body);
        worker.Signal("TERM");
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGTERM");
        Assert.True(worker.ExitCode == 0, await worker.OutputAsync());
        LakeReader.AssertExactlyOnce(lake, q.EventIds);
        Assert.Equal(0, await q.CountAsync());
    }
}

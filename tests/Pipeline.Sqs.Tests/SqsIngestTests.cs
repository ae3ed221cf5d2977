using System.Diagnostics;
using System.Security.Cryptography;

namespace Pipeline.Sqs.Tests;

/// <summary><c>pipeline ingest --source sqs://…</c> as a user runs it: fauxqs for the queue, s3rver for the trail's bucket.</summary>
[Collection(SqsCollection.Name)]
public sealed class SqsIngestTests(SqsServers servers)
{
    private static Dictionary<string, string> TableFiles(string lake) =>
        Directory.GetFiles(Path.Combine(lake, "tls_events"), "*.parquet", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(lake, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static void Says(CliProcess.Result run, string text) => Assert.True(run.Stderr.Contains(text, StringComparison.Ordinal), $"'{text}' not in:\n{run.Stderr}");

    [Fact]
    public async Task Cli_EveryNotificationForm_EveryEventOnceAndOnlyTheNonNotificationLeft()
    {
        using var tmp = new TempDir();
        using var q = await TrailQueue.CreateAsync(servers.Aws, servers.SqsEndpoint, "forms");
        var lake = tmp.Sub("lake");
        var keys = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            keys.Add(await q.PutLogFileAsync(events: 5 + i));
        }

        var digest = "AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/us-east-1/2026/11/30/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261130T1205Z.json.gz";
        await q.PutAsync(digest, Records.Gzip("{\"awsAccountId\":\"111122223333\"}"));
        await q.PutAsync("exports/broken.json.gz", [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef]);

        await q.SendAsync(Notices.S3Event(Uri.EscapeDataString(keys[0]).Replace("%2F", "/", StringComparison.Ordinal), bucket: q.Bucket));
        await q.SendAsync(Notices.Sns(Notices.S3Event(keys[1], bucket: q.Bucket)));
        await q.SendAsync(Notices.EventBridgeObject(keys[2], bucket: q.Bucket));
        await q.SendAsync(Notices.Sns(Notices.CloudTrailNotice(q.Bucket, keys[3], keys[4])));
        await q.SendAsync(Notices.CloudTrailNotice(q.Bucket, keys[5]));
        await q.SendAsync(Notices.Sns(Notices.EventBridgeObject(keys[6], bucket: q.Bucket)));
        await q.SendAsync(Notices.TestEvent(q.Bucket));
        await q.SendAsync(Notices.S3Event(keys[0], "ObjectRemoved:Delete", q.Bucket));
        await q.SendAsync(Notices.S3Event(digest, bucket: q.Bucket));
        await q.SendAsync(Notices.S3Event("exports/broken.json.gz", bucket: q.Bucket));
        await q.SendAsync(Notices.S3Event("exports/deleted-before-read.json.gz", bucket: q.Bucket));
        await q.SendAsync("{\"hello\":\"not a notification\"}");

        var run = CliProcess.Run(q.IngestArgs(lake, "--until-idle", "2"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        LakeReader.AssertExactlyOnce(lake, q.EventIds);
        Says(run, "12 messages received, 11 deleted");
        Says(run, "1 not notifications");
        Says(run, "1 digest/Insights/markers skipped");
        Says(run, "truncated-gzip");
        Says(run, "object-missing");
        Says(run, "exports/deleted-before-read.json.gz");
        Assert.Equal(1, await q.CountAsync());
        var rejects = string.Concat(Directory.GetFiles(Path.Combine(lake, "_rejects")).Select(File.ReadAllText));
        Assert.Contains("exports/broken.json.gz", rejects, StringComparison.Ordinal);
        Assert.Contains("object-missing", rejects, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_RedeliveredAndDuplicateNotifications_LandOnceSameFiles()
    {
        using var tmp = new TempDir();
        using var q = await TrailQueue.CreateAsync(servers.Aws, servers.SqsEndpoint, "redeliver");
        var lake = tmp.Sub("lake");
        var key = await q.PutLogFileAsync(events: 20);
        var other = await q.PutLogFileAsync(events: 3);

        // The same object through both wirings at once: S3's notification and CloudTrail's own.
        await q.SendAsync(Notices.S3Event(key, bucket: q.Bucket));
        await q.SendAsync(Notices.Sns(Notices.CloudTrailNotice(q.Bucket, key, other)));
        var first = CliProcess.Run(q.IngestArgs(lake, "--until-idle", "2"));
        Assert.True(first.ExitCode == 0, first.Stderr);
        var files = TableFiles(lake);

        // A processed message delivered again (its delete was lost): found done, nothing rewritten. (Sent once the first
        // run's cancelled long polls have expired on the server, which would otherwise take the message and hide it.)
        await Task.Delay(TimeSpan.FromSeconds(3));
        await q.SendAsync(Notices.S3Event(key, bucket: q.Bucket));
        var again = CliProcess.Run(q.IngestArgs(lake, "--until-idle", "2"));

        Assert.True(again.ExitCode == 0, again.Stderr);
        LakeReader.AssertExactlyOnce(lake, q.EventIds);
        Assert.Equal(files, TableFiles(lake));
        Says(again, "0 objects read");
        Says(again, "1 already in the lake");
        Assert.Equal(0, await q.CountAsync());
    }

    [Fact]
    public async Task Cli_TwoWorkersOneQueue_EveryEventOnceQueueEmpty()
    {
        using var tmp = new TempDir();
        using var q = await TrailQueue.CreateAsync(servers.Aws, servers.SqsEndpoint, "two");
        var lake = tmp.Sub("lake");
        for (var i = 0; i < 40; i++)
        {
            var key = await q.PutLogFileAsync(events: 10, account: i % 2 == 0 ? "111122223333" : "444455556666");
            await q.SendAsync(i % 3 == 0 ? Notices.Sns(Notices.S3Event(key, bucket: q.Bucket)) : Notices.S3Event(key, bucket: q.Bucket));
        }

        using var a = CliProcess.Start(q.IngestArgs(lake, "--until-idle", "3", "--worker-id", "a"));
        using var b = CliProcess.Start(q.IngestArgs(lake, "--until-idle", "3", "--worker-id", "b"));
        var errA = a.StandardError.ReadToEndAsync();
        var errB = b.StandardError.ReadToEndAsync();
        await Task.WhenAll(a.WaitForExitAsync(), b.WaitForExitAsync()).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(a.ExitCode == 0, await errA);
        Assert.True(b.ExitCode == 0, await errB);
        LakeReader.AssertExactlyOnce(lake, q.EventIds);
        Assert.Equal(0, await q.CountAsync());
    }

    [Fact]
    public async Task Cli_KilledMidBatchThenRestarted_EveryEventOnceQueueEmpty()
    {
        using var tmp = new TempDir();
        using var q = await TrailQueue.CreateAsync(servers.Aws, servers.SqsEndpoint, "kill");
        var lake = tmp.Sub("lake");
        for (var i = 0; i < 60; i++)
        {
            var key = await q.PutLogFileAsync(events: 200);
            await q.SendAsync(Notices.S3Event(key, bucket: q.Bucket));
        }

        using (var doomed = CliProcess.Start(q.IngestArgs(lake, "--visibility", "5", "--receivers", "1")))
        {
            _ = doomed.StandardError.ReadToEndAsync();
            var table = Path.Combine(lake, "tls_events");
            var watch = Stopwatch.StartNew();
            while (!(Directory.Exists(table) && Directory.EnumerateFiles(table, "*.parquet", SearchOption.AllDirectories).Any()) && watch.Elapsed < TimeSpan.FromMinutes(1))
            {
                await Task.Delay(20);
            }

            doomed.Kill(); // SIGKILL: no flush, no delete, messages in flight.
            await doomed.WaitForExitAsync();
        }

        // The killed worker's in-flight messages come back after their 5 s visibility; the restart outlasts that.
        var rerun = CliProcess.Run(q.IngestArgs(lake, "--visibility", "5", "--until-idle", "8"));

        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        LakeReader.AssertExactlyOnce(lake, q.EventIds);
        Assert.Equal(0, await q.CountAsync());
    }

    [Fact]
    public async Task Cli_IntoS3Lake_EveryEventOnceQueueEmpty()
    {
        using var tmp = new TempDir();
        using var q = await TrailQueue.CreateAsync(servers.Aws, servers.SqsEndpoint, "s3lake");
        var lakeBucket = await LocalAws.NewBucketAsync(q.S3, "lake");
        for (var i = 0; i < 12; i++)
        {
            var key = await q.PutLogFileAsync(events: 25);
            await q.SendAsync(Notices.EventBridgeObject(key, bucket: q.Bucket));
        }

        var run = CliProcess.Run(q.IngestArgs($"s3://{lakeBucket}/lake", "--until-idle", "2", "--staging", tmp.Sub("staging")));

        Assert.True(run.ExitCode == 0, run.Stderr);
        var local = tmp.Sub("downloaded");
        await S3Objects.DownloadTableAsync(q.S3, lakeBucket, "lake/", local);
        LakeReader.AssertExactlyOnce(local, q.EventIds);
        Assert.Equal(0, await q.CountAsync());
    }

    [Fact]
    public async Task Cli_ObjectUnreadable_MessageLeftForRedeliveryAndExitSaysSo()
    {
        using var tmp = new TempDir();
        using var q = await TrailQueue.CreateAsync(servers.Aws, servers.SqsEndpoint, "unreadable");
        var lake = tmp.Sub("lake");
        var good = await q.PutLogFileAsync(events: 8);
        await q.SendAsync(Notices.S3Event(good, bucket: q.Bucket));

        // A bucket that does not exist (or that the worker may not read) says nothing of the object: not a reject.
        await q.SendAsync(Notices.S3Event("AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2026/11/30/x.json.gz", bucket: "no-such-bucket-" + q.QueueName));

        var run = CliProcess.Run(q.IngestArgs(lake, "--until-idle", "2"));

        Assert.Equal(1, run.ExitCode);
        Says(run, "not written at stop: s3://no-such-bucket-");
        Says(run, "0 rejects");
        LakeReader.AssertExactlyOnce(lake, q.EventIds);
        Assert.Equal(1, await q.CountAsync());
    }

    [Fact]
    public async Task Cli_BackfillAfterTheTail_SkipsWhatTheTailCommitted()
    {
        using var tmp = new TempDir();
        using var q = await TrailQueue.CreateAsync(servers.Aws, servers.SqsEndpoint, "overlap");
        var lake = tmp.Sub("lake");
        for (var i = 0; i < 4; i++)
        {
            var key = await q.PutLogFileAsync(events: 10);
            if (i < 3)
            {
                await q.SendAsync(Notices.S3Event(key, bucket: q.Bucket));
            }
        }

        var tail = CliProcess.Run(q.IngestArgs(lake, "--until-idle", "2"));
        var backfill = CliProcess.Run("ingest", "--source", $"s3://{q.Bucket}/AWSLogs/", "--endpoint", servers.Aws.S3Endpoint.ToString(), "--lake", lake);

        Assert.True(tail.ExitCode == 0, tail.Stderr);
        Assert.True(backfill.ExitCode == 0, backfill.Stderr);
        LakeReader.AssertExactlyOnce(lake, q.EventIds);
    }

    [Fact]
    public async Task Cli_NoSuchQueue_ClearErrorNamingIt()
    {
        using var tmp = new TempDir();
        var run = CliProcess.Run("ingest", "--source", $"sqs://no-such-queue-here?region=us-east-1&endpoint={servers.SqsEndpoint}", "--lake", tmp.Sub("lake"), "--until-idle", "1");

        Assert.NotEqual(0, run.ExitCode);
        Says(run, "no-such-queue-here");
        Says(run, "does not exist");
    }
}

using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Demo;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.S3;

namespace Pipeline.S3.Tests.S3;

/// <summary>An ingest into <c>--lake s3://…</c> against s3rver, compared with the same ingest into a local folder.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3LakeTests(LocalAws aws)
{
    private static Dictionary<string, string> LocalTable(string lake) =>
        Directory.GetFiles(Path.Combine(lake, "tls_events"), "*.parquet", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(lake, f).Replace('\\', '/'), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public async Task Cli_IngestIntoS3Lake_ObjectsEqualTheLocalLakeAndRerunAddsNothing()
    {
        using var tmp = new TempDir();
        var archive = tmp.Sub("archive");
        DemoArchiveWriter.Write(archive, new DemoShape(3, 2, 150, new DateOnly(2026, 11, 22), Seed: 5, AwkwardCases: true, Format: DemoFormat.S3LogFiles));
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "lake");
        string[] Args(string staging) => ["ingest", "--source", archive, "--lake", $"s3://{bucket}/org/lake", "--endpoint", aws.S3Endpoint.ToString(), "--staging", staging];

        var toS3 = CliProcess.Run(Args(tmp.Sub("staging")));
        var toDisk = CliProcess.Run("ingest", "--source", archive, "--lake", tmp.Sub("lake-disk"));

        Assert.True(toS3.ExitCode == 0, toS3.Stderr);
        Assert.True(toDisk.ExitCode == 0, toDisk.Stderr);
        var objects = await S3Objects.DownloadTableAsync(s3, bucket, "org/lake/", tmp.Sub("downloaded"));
        Assert.NotEmpty(objects);
        Assert.Equal(LocalTable(tmp.Sub("lake-disk")), objects);
        Assert.Equal(
            LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(tmp.Sub("lake-disk"))}"),
            LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(tmp.Sub("downloaded"))}"));
        var checkpointKeys = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "org/lake/_checkpoints/files/" })).S3Objects.Select(o => o.Key).ToList();
        Assert.NotEmpty(checkpointKeys);
        Assert.All(checkpointKeys, k => Assert.Matches(@"^org/lake/_checkpoints/files/(\d{4}-\d{2}-\d{2}|other)/f[0-9a-f]{20}\.json$", k));
        Assert.Contains("s3://" + bucket + "/org/lake/_rejects/", toS3.Stderr, StringComparison.Ordinal);

        // A second run on another machine (a fresh staging folder) finds every input checkpointed in the bucket.
        var again = CliProcess.Run(Args(tmp.Sub("staging-2")));
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Matches(@"files\s+0 read", again.Stderr);
    }

    [Fact]
    public async Task SchemaAthena_AccountsFromAnS3Lake_EveryAccountOfEveryDayListedNothingElse()
    {
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "accts");
        string[] keys =
        [
            "org/lake/tls_events/event_date=2026-11-20/account_id=111111111111/a.parquet",
            "org/lake/tls_events/event_date=2026-11-20/account_id=222222222222/b.parquet",
            "org/lake/tls_events/event_date=2026-11-21/account_id=333333333333/c.parquet",
            "org/lake/tls_events/event_date=2026-11-21/account_id=not-an-id/d.parquet",
            "org/lake/_rejects/2026-11-21/account_id=444444444444/r.jsonl",
            "org/other/tls_events/event_date=2026-11-21/account_id=555555555555/e.parquet",
        ];
        foreach (var key in keys)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "x", UseChunkEncoding = false });
        }

        var r = CliProcess.RunWith(
            [("AWS_ACCESS_KEY_ID", LocalAws.AccessKey), ("AWS_SECRET_ACCESS_KEY", LocalAws.SecretKey), ("AWS_REGION", "us-east-1")],
            "schema", "athena", "--location", $"s3://{bucket}/org/lake", "--accounts-from-lake", $"s3://{bucket}/org/lake", "--s3-endpoint", aws.S3Endpoint.ToString());

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("'projection.account_id.values' = '111111111111,222222222222,333333333333'", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("3 accounts in s3://", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsDone_CheckpointsOfThisAndOlderVersions_BothKnownToANewInstance()
    {
        using var tmp = new TempDir();
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "ckpt");
        const string Day = "AWSLogs/o-x/111111111111/CloudTrail/us-east-1/2026/11/20/a.json.gz|10|";
        const string Legacy = "AWSLogs/o-x/111111111111/CloudTrail/us-east-1/2026/11/19/b.json.gz|20|";
        // An older lake's checkpoint object, directly under _checkpoints/files/.
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "lake/_checkpoints/files/f0.json", ContentBody = System.Text.Json.JsonSerializer.Serialize(new[] { Legacy }), UseChunkEncoding = false });
        await new S3Lake(s3, $"s3://{bucket}/lake", tmp.Sub("staging-1")).InputCheckpoint.MarkDoneAsync([("f1", Day)], CancellationToken.None);

        var lake = new S3Lake(s3, $"s3://{bucket}/lake", tmp.Sub("staging-2")).InputCheckpoint;

        Assert.True(await lake.IsDoneAsync(Day, CancellationToken.None));
        Assert.True(await lake.IsDoneAsync(Legacy, CancellationToken.None));
        Assert.False(await lake.IsDoneAsync(Day.Replace("a.json.gz", "c.json.gz", StringComparison.Ordinal), CancellationToken.None));
        Assert.NotNull(await s3.GetObjectMetadataAsync(bucket, "lake/_checkpoints/files/2026-11-20/f1.json"));
    }

    [Fact]
    public async Task StagePublish_LargeFilesInParts_ObjectWholeAndStagingEmptied()
    {
        using var tmp = new TempDir();
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "parts");
        var lake = new S3Lake(s3, $"s3://{bucket}/lake", tmp.Sub("staging"), multipartThreshold: 1);
        var area = new StagingArea(tmp.Sub("staging"), "files");
        Directory.CreateDirectory(area.Directory);
        var staged = Path.Combine(area.Directory, "x.0.parquet");
        var content = RandomNumberGenerator.GetBytes(12 * 1024 * 1024);
        await File.WriteAllBytesAsync(staged, content);
        var batch = new BatchManifest("x", [new StagedFile("x.0.parquet", "tls_events/event_date=2026-11-20/account_id=111111111111/part-x-0000.parquet")], ["input"]);

        await lake.StageAsync(area, [batch], CancellationToken.None);
        Assert.NotNull(await s3.GetObjectMetadataAsync(bucket, "lake/_staging/files/x.json"));
        await lake.PublishAsync(area, [batch], CancellationToken.None);

        using var response = await s3.GetObjectAsync(bucket, "lake/tls_events/event_date=2026-11-20/account_id=111111111111/part-x-0000.parquet");
        using var ms = new MemoryStream();
        await response.ResponseStream.CopyToAsync(ms);
        Assert.Equal(content, ms.ToArray());
        Assert.False(File.Exists(staged));
        await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(bucket, "lake/_staging/files/x.json"));
    }
}

/// <summary><c>pipeline report --out s3://…</c> (what the chart's CronJob runs) against s3rver.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3ReportTests(LocalAws aws)
{
    [Fact]
    public async Task Cli_ReportToS3_WeekFolderUploaded()
    {
        using var tmp = new TempDir();
        var archive = tmp.Sub("archive");
        DemoArchiveWriter.Write(archive, new DemoShape(3, 7, 100, new DateOnly(2026, 11, 22), Seed: 9, AwkwardCases: false, Format: DemoFormat.S3LogFiles));
        Assert.Equal(0, CliProcess.Run("ingest", "--source", archive, "--lake", tmp.Sub("lake")).ExitCode);
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "reports");

        var run = CliProcess.Run("report", "--lake", tmp.Sub("lake"), "--week", "2026-W47", "--out", $"s3://{bucket}/weekly", "--endpoint", aws.S3Endpoint.ToString());

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal($"s3://{bucket}/weekly/2026-W47/index.html", run.Stdout.Trim());
        var keys = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "weekly/2026-W47/" })).S3Objects.Select(o => o.Key).ToList();
        Assert.Contains("weekly/2026-W47/index.html", keys);
        Assert.Contains("weekly/2026-W47/tickets.json", keys);
        Assert.Contains(keys, k => k.StartsWith("weekly/2026-W47/accounts/", StringComparison.Ordinal));
    }
}

/// <summary><c>pipeline report --lake s3://…</c> against s3rver: the window's days are read from the bucket.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3LakeReportTests(LocalAws aws)
{
    [Fact]
    public async Task Cli_ReportFromS3Lake_SameOutputsAsFromTheLocalLakeReadingOnlyTheWindow()
    {
        using var tmp = new TempDir();
        var archive = tmp.Sub("archive");
        DemoArchiveWriter.Write(archive, new DemoShape(4, 21, 60, new DateOnly(2026, 11, 22), Seed: 13, AwkwardCases: true, Format: DemoFormat.S3LogFiles));
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "lake");
        var endpoint = aws.S3Endpoint.ToString();
        Assert.Equal(0, CliProcess.Run("ingest", "--source", archive, "--lake", tmp.Sub("lake")).ExitCode);
        var toS3 = CliProcess.Run("ingest", "--source", archive, "--lake", $"s3://{bucket}/org/lake", "--endpoint", endpoint, "--staging", tmp.Sub("staging"));
        Assert.True(toS3.ExitCode == 0, toS3.Stderr);

        var copiesBefore = Directory.GetDirectories(Path.GetTempPath(), "pipeline-report-lake-*");
        var fromS3 = CliProcess.Run("report", "--lake", $"s3://{bucket}/org/lake", "--endpoint", endpoint, "--week", "2026-W47", "--weeks-back", "1", "--out", tmp.Sub("out-s3"));
        var fromDisk = CliProcess.Run("report", "--lake", tmp.Sub("lake"), "--week", "2026-W47", "--weeks-back", "1", "--out", tmp.Sub("out-disk"));

        Assert.True(fromS3.ExitCode == 0, fromS3.Stderr);
        Assert.True(fromDisk.ExitCode == 0, fromDisk.Stderr);
        foreach (var name in new[] { "tickets.json", "tickets.csv", "summary.csv", "index.html" })
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(tmp.Sub("out-disk"), "2026-W47", name)), await File.ReadAllTextAsync(Path.Combine(tmp.Sub("out-s3"), "2026-W47", name)));
        }

        // Only the window's days (2026-11-09 .. 2026-11-22) came down; the archive starts on 2026-11-02.
        var days = Directory.GetDirectories(Path.Combine(tmp.Sub("lake"), "tls_events")).Select(Path.GetFileName).ToList();
        var inWindow = days.Where(d => string.CompareOrdinal(d, "event_date=2026-11-09") >= 0 && string.CompareOrdinal(d, "event_date=2026-11-22") <= 0)
            .Sum(d => Directory.GetFiles(Path.Combine(tmp.Sub("lake"), "tls_events", d!), "*.parquet", SearchOption.AllDirectories).Length);
        Assert.Contains("event_date=2026-11-02", days);
        Assert.Contains($"report: fetching {inWindow:N0} objects", fromS3.Stderr, StringComparison.Ordinal);
        // The downloaded copy is gone.
        Assert.Equal(copiesBefore, Directory.GetDirectories(Path.GetTempPath(), "pipeline-report-lake-*"));
    }

    [Fact]
    public async Task Cli_ReportFromS3LakeWithNothingInTheWindow_OneLineError()
    {
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "lake");
        using var tmp = new TempDir();

        var run = CliProcess.Run("report", "--lake", $"s3://{bucket}/lake", "--endpoint", aws.S3Endpoint.ToString(), "--week", "2026-W47", "--out", tmp.Sub("out"));

        Assert.True(run.ExitCode == 1, run.Stderr);
        Assert.Contains($"pipeline: error: no tls_events data in lake s3://{bucket}/lake from 2026-09-21 to 2026-11-22", run.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>A Kinesis stream into an S3 lake: objects complete before the checkpoint moves, leftovers resolved.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3StreamLakeTests(LocalAws aws)
{
    [Fact]
    public async Task Cli_KinesisIntoS3Lake_EveryEventOnceAndAnUncommittedUploadRemoved()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("tos3");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 2);
        using var kinesis = client;
        await feeder.PutMixedAsync(2_000);
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "slake");

        // What a worker that died between uploading a batch and moving its checkpoint leaves: an intent and its object.
        const string orphan = "tls_events/event_date=2026-11-20/account_id=111111111111/part-orphan-0000.parquet";
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "lake/" + orphan, ContentBody = "uncommitted", UseChunkEncoding = false });
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = $"lake/_staging/kinesis-{name}-shardId-000000000000/orphan.json",
            ContentBody = $"{{\"Last\":\"{new string('9', 56)}\",\"Targets\":[\"{orphan}\"]}}",
            UseChunkEncoding = false,
        });

        var run = CliProcess.Run(
            "ingest", "--source", $"kinesis://{name}?endpoint={aws.KinesisEndpoint}", "--lake", $"s3://{bucket}/lake", "--endpoint", aws.S3Endpoint.ToString(),
            "--staging", tmp.Sub("staging"), "--lease-table", "leases-" + name, "--dynamodb-endpoint", aws.DynamoDbEndpoint.ToString(), "--until-idle", "2");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var keys = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "lake/" })).S3Objects.Select(o => o.Key).ToList();
        Assert.DoesNotContain("lake/" + orphan, keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("lake/_staging/", StringComparison.Ordinal));
        var local = tmp.Sub("downloaded");
        await S3Objects.DownloadTableAsync(s3, bucket, "lake/", local);

        LakeReader.AssertExactlyOnce(local, feeder.EventIds);
    }

    [Fact]
    public void Cli_KinesisIntoS3LakeWithoutLeaseTable_RefusedWithReason()
    {
        var run = CliProcess.Run("ingest", "--source", "kinesis://s?endpoint=http://127.0.0.1:9", "--lake", "s3://bucket/lake", "--endpoint", aws.S3Endpoint.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("needs --lease-table", run.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>A Kafka topic (librdkafka's mock cluster) into an S3 lake (s3rver).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3KafkaLakeTests(LocalAws aws)
{
    /// <summary><c>pipeline ingest</c> of topic <c>trail</c> into <c>s3://BUCKET/lake</c> until idle; the keys under <c>lake/</c> after it.</summary>
    private async Task<List<string>> IngestAsync(MockCluster cluster, Amazon.S3.IAmazonS3 s3, string bucket, TempDir tmp)
    {
        var run = CliProcess.Run(
            "ingest", "--source", $"kafka://{cluster.Bootstrap}/trail?group=pipeline&group.protocol=consumer", "--lake", $"s3://{bucket}/lake",
            "--endpoint", aws.S3Endpoint.ToString(), "--staging", tmp.Sub("staging"), "--until-idle", "2", "--flush-age", "1");

        Assert.True(run.ExitCode == 0, run.Stderr);
        return (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "lake/" })).S3Objects.Select(o => o.Key).ToList();
    }

    [Fact]
    public async Task Cli_KafkaIntoS3Lake_EveryEventOnceNoIntentsLeft()
    {
        using var tmp = new TempDir();
        using var cluster = new MockCluster();
        var messages = new MixedMessages();
        cluster.CreateTopic("trail", 2);
        cluster.Produce("trail", messages.Next(1_500));
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "klake");

        var keys = await IngestAsync(cluster, s3, bucket, tmp);
        Assert.DoesNotContain(keys, k => k.StartsWith("lake/_staging/", StringComparison.Ordinal));
        var local = tmp.Sub("downloaded");
        await S3Objects.DownloadTableAsync(s3, bucket, "lake/", local);

        LakeReader.AssertExactlyOnce(local, messages.EventIds);
    }

    [Fact]
    public async Task Cli_KafkaIntoS3LakeAfterAMemberDied_ItsUncommittedBatchRemovedAndAnotherTopicsLeft()
    {
        using var tmp = new TempDir();
        using var cluster = new MockCluster();
        var messages = new MixedMessages();
        cluster.CreateTopic("trail", 2);
        cluster.Produce("trail", messages.Next(500));
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "kdead");

        // What a member that died between uploading a shared batch and committing its offsets leaves: an intent and
        // its object; and a batch of partitions this consumer will not hold (another member's to decide).
        async Task Intent(string batch, string inputs, string target)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "lake/" + target, ContentBody = "uncommitted", UseChunkEncoding = false });
            await s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket,
                Key = $"lake/_staging/kafka-trail/{batch}.json",
                ContentBody = $"{{\"Batch\":\"{batch}\",\"Inputs\":[{inputs}],\"Targets\":[\"{target}\"]}}",
                UseChunkEncoding = false,
            });
        }

        const string orphan = "tls_events/event_date=2026-11-20/account_id=111111111111/part-dead-0000.parquet";
        const string others = "tls_events/event_date=2026-11-20/account_id=111111111111/part-other-0000.parquet";
        await Intent("dead", "\"trail/0@00000000000000000099\",\"trail/1@00000000000000000099\"", orphan);
        await Intent("other", "\"trail/7@00000000000000000099\"", others);

        var keys = await IngestAsync(cluster, s3, bucket, tmp);
        Assert.DoesNotContain("lake/" + orphan, keys);
        Assert.Equal(["lake/_staging/kafka-trail/other.json"], keys.Where(k => k.StartsWith("lake/_staging/", StringComparison.Ordinal)));
        await s3.DeleteObjectAsync(bucket, "lake/" + others);
        var local = tmp.Sub("downloaded");
        await S3Objects.DownloadTableAsync(s3, bucket, "lake/", local);

        LakeReader.AssertExactlyOnce(local, messages.EventIds);
    }
}

/// <summary><c>pipeline compact</c> on an S3 lake (s3rver).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3CompactionTests(LocalAws aws)
{
    [Fact]
    public async Task Cli_CompactS3Lake_OneObjectPerPartitionEveryEventOnce()
    {
        using var tmp = new TempDir();
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "compact");
        for (var run = 0; run < 3; run++)
        {
            var records = Enumerable.Range(0, 40).Select(i => Records.Record($"e-{run}-{i}", $"2026-11-20T{i % 24:D2}:00:00Z", i % 2 == 0 ? "111111111111" : "222222222222"))
                .Append(Records.Record("e-dup", "2026-11-20T12:00:00Z", "111111111111"));
            var file = tmp.Sub($"in-{run}.json");
            await File.WriteAllTextAsync(file, Records.LogFile([.. records]));
            var ingest = CliProcess.Run("ingest", "--source", file, "--lake", $"s3://{bucket}/lake", "--endpoint", aws.S3Endpoint.ToString(), "--staging", tmp.Sub("staging"));
            Assert.True(ingest.ExitCode == 0, ingest.Stderr);
        }

        async Task<List<string>> Parquet() => [.. (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "lake/tls_events/" })).S3Objects.Select(o => o.Key).Where(k => k.EndsWith(".parquet", StringComparison.Ordinal))];
        Assert.Equal(6, (await Parquet()).Count);

        var compact = CliProcess.Run("compact", "--lake", $"s3://{bucket}/lake", "--date", "2026-11-20", "--endpoint", aws.S3Endpoint.ToString());

        Assert.True(compact.ExitCode == 0, compact.Stderr);
        Assert.Contains("6 files -> 2", compact.Stderr, StringComparison.Ordinal);
        var keys = await Parquet();
        Assert.Equal(2, keys.Count);
        var local = tmp.Sub("downloaded");
        await S3Objects.DownloadTableAsync(s3, bucket, "lake/", local);

        Assert.Equal(121, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(local)}"));
        Assert.Equal(121, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(local)}"));
    }
}

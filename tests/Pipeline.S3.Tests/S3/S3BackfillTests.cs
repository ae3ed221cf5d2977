using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Demo;

namespace Pipeline.S3.Tests.S3;

/// <summary><c>pipeline ingest --source s3://…</c> against s3rver, compared with ingesting the same archive from disk.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3BackfillTests(LocalAws aws)
{
    /// <summary>Writes a demo org archive (with digest, Insights and damaged files) and uploads it as the org trail's bucket.</summary>
    private async Task<(string Bucket, string Archive)> UploadArchiveAsync(TempDir tmp, int accounts, int days, int perDay)
    {
        var archive = tmp.Sub("archive");
        DemoArchiveWriter.Write(archive, new DemoShape(accounts, days, perDay, new DateOnly(2026, 11, 22), Seed: 3, AwkwardCases: true, Format: DemoFormat.S3LogFiles));
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "trail");
        var files = Directory.GetFiles(archive, "*", SearchOption.AllDirectories);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, ct) =>
        {
            var key = Path.GetRelativePath(archive, file).Replace('\\', '/');

            // AWSSDK.S3 v4's chunked uploads are stored corrupted by s3rver.
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, FilePath = file, UseChunkEncoding = false }, ct);
        });
        return (bucket, archive);
    }

    private static Dictionary<string, string> TableFiles(string lake) =>
        Directory.GetFiles(Path.Combine(lake, "tls_events"), "*.parquet", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(lake, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private string[] S3Args(string bucket, string lake, params string[] more) =>
        ["ingest", "--source", $"s3://{bucket}/AWSLogs/", "--lake", lake, "--endpoint", aws.S3Endpoint.ToString(), .. more];

    [Fact]
    public async Task Cli_BackfillFromS3_SameLakeAsIngestingTheLocalCopy()
    {
        using var tmp = new TempDir();
        var (bucket, archive) = await UploadArchiveAsync(tmp, accounts: 4, days: 3, perDay: 200);

        var fromS3 = CliProcess.Run(S3Args(bucket, tmp.Sub("lake-s3"), "--from", "2026-11-20", "--to", "2026-11-21"));
        var fromDisk = CliProcess.Run("ingest", "--source", archive, "--lake", tmp.Sub("lake-disk"), "--from", "2026-11-20", "--to", "2026-11-21");

        Assert.True(fromS3.ExitCode == 0, fromS3.Stderr);
        Assert.True(fromDisk.ExitCode == 0, fromDisk.Stderr);
        var s3Files = TableFiles(tmp.Sub("lake-s3"));
        Assert.NotEmpty(s3Files);
        Assert.Equal(TableFiles(tmp.Sub("lake-disk")), s3Files);
        Assert.Contains("digest", fromS3.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_BackfillAccountsAndRegionsFilter_OnlyThoseFolders()
    {
        using var tmp = new TempDir();
        var (bucket, _) = await UploadArchiveAsync(tmp, accounts: 3, days: 2, perDay: 100);
        using var s3 = aws.S3Client();
        var keys = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects.Select(o => o.Key).ToList();
        var account = keys.Select(k => k.Split('/')).First(p => p.Length > 4 && p[3] == "CloudTrail")[2];

        var run = CliProcess.Run(S3Args(bucket, tmp.Sub("lake"), "--from", "2026-11-21", "--to", "2026-11-22", "--accounts", account, "--regions", "us-east-1"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        var accounts = LakeReader.Query($"SELECT DISTINCT account_id, region FROM {LakeReader.Source(tmp.Sub("lake"))}");
        Assert.All(accounts, r => Assert.Equal(account, (string)r[0]!));
        Assert.All(accounts, r => Assert.Equal("us-east-1", (string)r[1]!));
    }

    [Fact]
    public async Task Cli_BackfillKilledMidRun_ResumedRunEqualsUninterruptedOne()
    {
        using var tmp = new TempDir();
        var (bucket, _) = await UploadArchiveAsync(tmp, accounts: 8, days: 8, perDay: 400);
        var reference = CliProcess.Run(S3Args(bucket, tmp.Sub("lake-ref"), "--parallelism", "1"));
        Assert.True(reference.ExitCode == 0, reference.Stderr);

        var lake = tmp.Sub("lake");
        using (var victim = CliProcess.Start(S3Args(bucket, lake, "--parallelism", "1")))
        {
            _ = victim.StandardError.ReadToEndAsync();
            _ = victim.StandardOutput.ReadToEndAsync();
            var checkpoints = Path.Combine(lake, "_checkpoints", "files");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints).Any(f => new FileInfo(f).Length > 0)) && !victim.HasExited)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no batch was committed");
                Thread.Sleep(5);
            }

            Assert.False(victim.HasExited, "the backfill finished before it could be killed mid-run");
            victim.Kill();
            victim.WaitForExit();
        }

        var resumed = CliProcess.Run(S3Args(bucket, lake, "--parallelism", "1"));

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(TableFiles(tmp.Sub("lake-ref")), TableFiles(lake));
    }

    [Fact]
    public async Task Cli_BackfillOfFirehoseAndLookupEventsObjects_SameLakeAsTheLocalCopy()
    {
        using var tmp = new TempDir();
        var tree = tmp.Sub("objects");
        var folder = Path.Combine(tree, "firehose", "2026", "11", "20", "10");
        Directory.CreateDirectory(folder);
        var records = Enumerable.Range(0, 60).Select(i => MixedMessages.Event($"ev-{i:D6}")).ToArray();
        File.WriteAllText(Path.Combine(folder, "eb-1-2026-11-20-10-00-00-a"), string.Concat(records[..20].Select(r => Pipeline.Tests.Support.Records.EventBridge(r))));
        File.WriteAllBytes(Path.Combine(folder, "cwl-1-2026-11-20-10-00-00-b"), [.. records[20..40].Chunk(4).SelectMany(c => Pipeline.Tests.Support.Records.Gzip(Pipeline.Tests.Support.Records.CloudWatchLogs(c)))]);
        Directory.CreateDirectory(Path.Combine(tree, "lookup"));
        File.WriteAllText(Path.Combine(tree, "lookup", "page.json"), string.Join("\n", records[40..].Chunk(10).Select(c => System.Text.Json.JsonSerializer.Serialize(new { Events = c.Select(r => new { CloudTrailEvent = r }), NextToken = "n" }))));
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "firehose");
        foreach (var file in Directory.GetFiles(tree, "*", SearchOption.AllDirectories))
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Path.GetRelativePath(tree, file).Replace('\\', '/'), FilePath = file, UseChunkEncoding = false });
        }

        var fromS3 = CliProcess.Run("ingest", "--source", $"s3://{bucket}/", "--lake", tmp.Sub("lake-s3"), "--endpoint", aws.S3Endpoint.ToString());
        var fromDisk = CliProcess.Run("ingest", "--source", tree, "--lake", tmp.Sub("lake-disk"));

        Assert.True(fromS3.ExitCode == 0, fromS3.Stderr);
        Assert.True(fromDisk.ExitCode == 0, fromDisk.Stderr);
        Assert.Contains("rejects     none", fromS3.Stderr, StringComparison.Ordinal);
        Assert.Equal(60, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(tmp.Sub("lake-s3"))}"));
        Assert.Equal(60, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(tmp.Sub("lake-s3"))}"));
        Assert.Equal(
            LakeReader.Query($"SELECT event_id, tls_version, account_id FROM {LakeReader.Source(tmp.Sub("lake-disk"))} ORDER BY event_id").Select(r => string.Join('|', r)),
            LakeReader.Query($"SELECT event_id, tls_version, account_id FROM {LakeReader.Source(tmp.Sub("lake-s3"))} ORDER BY event_id").Select(r => string.Join('|', r)));
    }

    [Fact]
    public async Task Cli_BackfillOfALargeGzipObject_InflatedAheadWithTheRowsOfTheLocalCopy()
    {
        // Over 8 MiB compressed: the object's body is inflated on a thread of its own while it streams from S3 (the
        // local copy is also cut into chunks; the rows are the same either way).
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.Sub("objects"));
        var file = tmp.Sub("objects/export.ndjson.gz");
        var random = new Random(5);
        var noise = new byte[240];
        using (var w = new StreamWriter(new System.IO.Compression.GZipStream(File.Create(file), System.IO.Compression.CompressionLevel.Fastest)))
        {
            for (var i = 0; i < 30_000; i++)
            {
                random.NextBytes(noise);
                w.Write(Pipeline.Tests.Support.Records.Record($"e-{i:D6}", $"2026-11-2{i % 3}T{i % 24:D2}:00:00Z", $"{100000000000 + (i % 4)}", i % 5 == 0 ? "TLSv1" : "TLSv1.2", $",\"requestParameters\":{{\"key\":\"{Convert.ToHexString(noise)}\"}}"));
                w.Write('\n');
            }
        }

        Assert.True(new FileInfo(file).Length > new Pipeline.Decoding.DecoderLimits().InflateAheadBytes);
        using var s3 = aws.S3Client();
        var bucket = await LocalAws.NewBucketAsync(s3, "export");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "exports/export.ndjson.gz", FilePath = file, UseChunkEncoding = false });

        var fromS3 = CliProcess.Run("ingest", "--source", $"s3://{bucket}/", "--lake", tmp.Sub("lake-s3"), "--endpoint", aws.S3Endpoint.ToString());
        var fromDisk = CliProcess.Run("ingest", "--source", tmp.Sub("objects"), "--lake", tmp.Sub("lake-disk"));

        Assert.True(fromS3.ExitCode == 0, fromS3.Stderr);
        Assert.True(fromDisk.ExitCode == 0, fromDisk.Stderr);
        Assert.Contains("rejects     none", fromS3.Stderr, StringComparison.Ordinal);
        Assert.Equal(30_000, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(tmp.Sub("lake-s3"))}"));
        Assert.Equal(
            LakeReader.Query($"SELECT * EXCLUDE (event_date, account_id) FROM {LakeReader.Source(tmp.Sub("lake-disk"))} ORDER BY event_id").Select(r => string.Join('|', r)),
            LakeReader.Query($"SELECT * EXCLUDE (event_date, account_id) FROM {LakeReader.Source(tmp.Sub("lake-s3"))} ORDER BY event_id").Select(r => string.Join('|', r)));
    }
}

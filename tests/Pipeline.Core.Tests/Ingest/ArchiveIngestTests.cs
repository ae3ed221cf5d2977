using System.Security.Cryptography;
using Pipeline.Demo;
using Pipeline.Ingest;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.Records;

namespace Pipeline.Tests.Ingest;

public sealed class ArchiveIngestTests
{
    private static readonly DateOnly LastDay = new(2026, 11, 22);

    private static Task<IngestResult> Run(string source, string lake, IngestOptions? options = null, DateOnly? from = null, DateOnly? to = null) =>
        new ArchiveIngest(options ?? new IngestOptions { Parallelism = 2 }, TimeProvider.System).RunAsync(new IngestRequest(source, lake, from, to), CancellationToken.None);

    [Fact]
    public async Task RunAsync_DemoOrganization_LakeHoldsEveryEventAndEveryRejectWithReason()
    {
        using var dir = new TempDir();
        var truth = DemoArchiveWriter.Write(dir.Sub("archive"), new DemoShape(6, 3, 60, LastDay));

        var result = await Run(dir.Sub("archive"), dir.Sub("lake"));

        var src = LakeReader.Source(dir.Sub("lake"));
        Assert.Equal(truth.ExpectedRows, LakeReader.Scalar($"SELECT count(*) FROM {src}"));
        Assert.Equal(truth.DistinctEvents, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {src}"));
        Assert.Equal(truth.LegacyEvents, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {src} WHERE tls_version IN ('TLSv1','TLSv1.1')"));
        Assert.Equal(truth.UnknownTlsEvents, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {src} WHERE tls_version IS NULL"));
        Assert.Equal(truth.ExpectedRejects, result.Stats.RejectTotal);
        var rejectLines = Directory.GetFiles(dir.Sub("lake/_rejects")).SelectMany(File.ReadAllLines).ToList();
        Assert.Equal(truth.ExpectedRejects, rejectLines.Count);
        Assert.Contains(rejectLines, l => l.Contains("truncated-gzip", StringComparison.Ordinal) && l.Contains("truncated.json.gz", StringComparison.Ordinal));
        Assert.Contains(rejectLines, l => l.Contains("corrupt-gzip", StringComparison.Ordinal) && l.Contains("corrupt.json.gz", StringComparison.Ordinal));
        Assert.Equal(1, result.Scan.DigestFiles);
        Assert.Equal(1, result.Scan.InsightFiles);
        Assert.Equal(1, result.Scan.FolderMarkers);
        Assert.Equal(1, result.Stats.ControlMessages);
        Assert.False(Directory.Exists(dir.Sub("lake/_staging")) && Directory.EnumerateFileSystemEntries(dir.Sub("lake/_staging")).Any());
    }

    [Fact]
    public async Task RunAsync_EventNearMidnight_IsPartitionedByEventTimeNotDeliveryFolder()
    {
        using var dir = new TempDir();
        var folder = Path.Combine(dir.Sub("archive"), "AWSLogs", "o-abcd1234ef", "123456789012", "CloudTrail", "us-east-1", "2026", "11", "23");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "123456789012_CloudTrail_us-east-1_20261123T0005Z_abc.json.gz"),
            Gzip(LogFile(Record("sun", "2026-11-22T23:59:59Z"), Record("mon", "2026-11-23T00:00:00Z"))));

        await Run(dir.Sub("archive"), dir.Sub("lake"));

        var rows = LakeReader.Query($"SELECT event_id, CAST(event_date AS VARCHAR), account_id FROM {LakeReader.Source(dir.Sub("lake"))} ORDER BY event_id");
        Assert.Equal(["mon", "2026-11-23", "123456789012"], rows[0]);
        Assert.Equal(["sun", "2026-11-22", "123456789012"], rows[1]);
    }

    [Fact]
    public async Task RunAsync_ParquetReadBackByDuckDb_HasSchemaTypesAndExactValues()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("archive"));
        const string hostile = "<script>alert(1)</script>\n=HYPERLINK(\"x\") Ünïcödé 😀";
        var record = Record("v1", "2026-11-20T10:11:12.345678Z").Replace("aws-cli/1.16.96 Python/2.7.5", System.Text.Json.JsonEncodedText.Encode(hostile).ToString(), StringComparison.Ordinal);
        await File.WriteAllTextAsync(dir.Sub("archive/events.ndjson"), record + "\n" + Record("v2").Replace(",\"tlsDetails\":{\"tlsVersion\":\"TLSv1\",\"cipherSuite\":\"ECDHE-RSA-AES128-SHA\",\"clientProvidedHostHeader\":\"s3.amazonaws.com\"}", string.Empty, StringComparison.Ordinal) + "\n");

        await Run(dir.Sub("archive"), dir.Sub("lake"));

        var file = Directory.GetFiles(dir.Sub("lake/tls_events"), "*.parquet", SearchOption.AllDirectories).Order().First();
        var described = LakeReader.Query($"DESCRIBE SELECT * FROM read_parquet('{file}', hive_partitioning = false)").Select(r => ((string)r[0]!, (string)r[1]!)).ToList();
        var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Paths.RepoRoot, "schemas", "tls_events.schema.json")));
        var declared = schema.RootElement.GetProperty("columns").EnumerateArray().Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("duckdb").GetString()!)).ToList();
        Assert.Equal(declared, described);

        var parquetSchema = LakeReader.Query($"SELECT name, logical_type::VARCHAR, converted_type FROM parquet_schema('{file}') WHERE name <> 'schema'");
        Assert.All(parquetSchema.Skip(1), r => Assert.Equal("UTF8", r[2]));
        Assert.Contains("isAdjustedToUTC=1", (string)parquetSchema[0][1]!, StringComparison.Ordinal);
        Assert.Contains("MICROS", (string)parquetSchema[0][1]!, StringComparison.Ordinal);
        var codecs = LakeReader.Query($"SELECT DISTINCT compression FROM parquet_metadata('{file}')");
        Assert.Equal("SNAPPY", Assert.Single(codecs)[0]);
        var regionEncodings = (string)LakeReader.Query($"SELECT encodings FROM parquet_metadata('{file}') WHERE path_in_schema = 'region'")[0][0]!;
        Assert.Contains("DICTIONARY", regionEncodings, StringComparison.Ordinal);

        var rows = LakeReader.Query($"SELECT event_id, event_time, user_agent, tls_version, cipher_suite FROM {LakeReader.Source(dir.Sub("lake"))} ORDER BY event_id");
        Assert.Equal(new DateTime(2026, 11, 20, 10, 11, 12, DateTimeKind.Utc).AddTicks(3456780), ((DateTime)rows[0][1]!).ToUniversalTime());
        Assert.Equal(hostile, rows[0][2]);
        Assert.Equal("TLSv1", rows[0][3]);
        Assert.Null(rows[1][3]);
        Assert.Null(rows[1][4]);
    }

    [Fact]
    public async Task RunAsync_EmptyStringAndAbsentValue_StayDistinctInParquet()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("archive"));
        var record = Record("e1").Replace("\"userAgent\":\"aws-cli/1.16.96 Python/2.7.5\"", "\"userAgent\":\"\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(dir.Sub("archive/events.ndjson"), record + "\n");

        await Run(dir.Sub("archive"), dir.Sub("lake"));

        var row = Assert.Single(LakeReader.Query($"SELECT user_agent, error_code, vpc_endpoint_id FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Equal(string.Empty, row[0]);
        Assert.Null(row[1]);
        Assert.Null(row[2]);
    }

    [Fact]
    public async Task RunAsync_SecondRun_SkipsCheckpointedInputsAndChangesNothing()
    {
        using var dir = new TempDir();
        DemoArchiveWriter.Write(dir.Sub("archive"), new DemoShape(4, 2, 40, LastDay, AwkwardCases: false));
        await Run(dir.Sub("archive"), dir.Sub("lake"));
        var before = Snapshot(dir.Sub("lake"));

        var second = await Run(dir.Sub("archive"), dir.Sub("lake"));

        Assert.Equal(0, second.Stats.InputsTotal);
        Assert.True(second.Stats.InputsAlreadyDone > 0);
        Assert.Equal(before, Snapshot(dir.Sub("lake")));
    }

    [Fact]
    public async Task RunAsync_ReplayWithoutCheckpoint_RewritesTheSameFilesNotCopies()
    {
        using var dir = new TempDir();
        DemoArchiveWriter.Write(dir.Sub("archive"), new DemoShape(5, 3, 50, LastDay));
        await Run(dir.Sub("archive"), dir.Sub("lake"));
        var before = Snapshot(dir.Sub("lake"));
        Directory.Delete(dir.Sub("lake/_checkpoints"), recursive: true);

        await Run(dir.Sub("archive"), dir.Sub("lake"), new IngestOptions { Parallelism = 1 });

        Assert.Equal(before, Snapshot(dir.Sub("lake")));
    }

    [Fact]
    public async Task RunAsync_TinyMemoryBudgetAcrossManyPartitions_KeepsEveryRow()
    {
        using var dir = new TempDir();
        var truth = DemoArchiveWriter.Write(dir.Sub("archive"), new DemoShape(40, 4, 80, LastDay, AwkwardCases: false, Format: DemoFormat.Ndjson));

        var result = await Run(dir.Sub("archive"), dir.Sub("lake"), new IngestOptions { Parallelism = 1, MemoryBudgetMiB = 16, MaxRowsPerFile = 1000 });

        Assert.Equal(truth.ExpectedRows, LakeReader.Scalar($"SELECT count(*) FROM {LakeReader.Source(dir.Sub("lake"))}"));
        Assert.Equal(truth.ExpectedRows, result.Stats.EventsWritten);
    }

    [Fact]
    public async Task RunAsync_FromTo_KeepsOnlyThoseEventDatesAndPrunesDeliveryFolders()
    {
        using var dir = new TempDir();
        DemoArchiveWriter.Write(dir.Sub("archive"), new DemoShape(3, 6, 40, LastDay, AwkwardCases: false));
        var from = LastDay.AddDays(-3);
        var to = LastDay.AddDays(-2);

        var result = await Run(dir.Sub("archive"), dir.Sub("lake"), from: from, to: to);

        var dates = LakeReader.Query($"SELECT DISTINCT CAST(event_date AS VARCHAR) FROM {LakeReader.Source(dir.Sub("lake"))} ORDER BY 1").Select(r => (string)r[0]!).ToList();
        Assert.Equal([from.ToString("yyyy-MM-dd"), to.ToString("yyyy-MM-dd")], dates);
        Assert.True(result.Scan.OutsideDateRange > 0);
        Assert.True(result.Stats.OutsideDateRange > 0);
    }

    [Fact]
    public async Task RunAsync_MissingSource_FailsWithMessageNamingIt()
    {
        using var dir = new TempDir();

        var e = await Assert.ThrowsAsync<IngestException>(() => Run(dir.Sub("nope"), dir.Sub("lake")));

        Assert.Contains("nope", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LakeUnderAFile_FailsAsNotWritable()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.Sub("file"), "x");
        Directory.CreateDirectory(dir.Sub("archive"));

        var e = await Assert.ThrowsAsync<IngestException>(() => Run(dir.Sub("archive"), dir.Sub("file/lake")));

        Assert.Contains("not writable", e.Message, StringComparison.Ordinal);
    }

    internal static SortedDictionary<string, string> Snapshot(string lake) => new(
        Directory.GetFiles(Path.Combine(lake, "tls_events"), "*", SearchOption.AllDirectories)
            .Concat(Directory.Exists(Path.Combine(lake, "_rejects")) ? Directory.GetFiles(Path.Combine(lake, "_rejects")) : [])
            .ToDictionary(f => Path.GetRelativePath(lake, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal),
        StringComparer.Ordinal);
}

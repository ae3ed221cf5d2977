using Pipeline.Ingest;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.ReportFixture;

namespace Pipeline.Tests.Lake;

public sealed class RowGroupTests
{
    private static async Task<string> Ingest(TempDir dir, params string[] records)
    {
        Directory.CreateDirectory(dir.Sub("archive"));
        await File.WriteAllLinesAsync(dir.Sub("archive/events.ndjson"), records);
        var lake = dir.Sub("lake");
        await new ArchiveIngest(new IngestOptions(), TimeProvider.System).RunAsync(new IngestRequest(dir.Sub("archive"), lake), CancellationToken.None);
        return lake;
    }

    private static string PartitionFile(string lake, string account) =>
        Directory.EnumerateFiles(Path.Combine(lake, "tls_events", "event_date=2026-11-17", $"account_id={account}"), "*.parquet").Single().Replace('\\', '/');

    private static List<(long Rows, string? Min, string? Max)> TlsVersionRowGroups(string file) =>
        LakeReader.Query($"SELECT row_group_num_rows, stats_min_value, stats_max_value FROM parquet_metadata('{file}') WHERE path_in_schema = 'tls_version' ORDER BY row_group_id")
            .Select(r => (Convert.ToInt64(r[0], System.Globalization.CultureInfo.InvariantCulture), (string?)r[1], (string?)r[2]))
            .ToList();

    [Fact]
    public async Task Ingest_PartitionWithLegacyCalls_WritesThemFirstInARowGroupOfTheirOwn()
    {
        using var dir = new TempDir();
        var lake = await Ingest(dir,
            Record("m1", "2026-11-17T10:00:00Z", A, A, "m", "aws-cli/2.15.30", "10.0.0.9", "TLSv1.2"),
            Record("x1", "2026-11-17T10:00:01Z", A, A, "x", Java7, "10.0.0.1", "TLSv1"),
            Record("u1", "2026-11-17T10:00:02Z", A, A, "m", "aws-cli/2.15.30", "10.0.0.9", null),
            Record("y1", "2026-11-17T10:00:03Z", A, A, "y", Script, "10.0.0.2", "TLSv1.1"),
            Record("m2", "2026-11-17T10:00:04Z", A, A, "m", "aws-cli/2.15.30", "10.0.0.9", "TLSv1.3"),
            Record("x2", "2026-11-17T10:00:05Z", A, A, "x", Java7, "10.0.0.1", "TLSv1"));
        var file = PartitionFile(lake, A);

        var groups = TlsVersionRowGroups(file);
        var rows = LakeReader.Query($"SELECT event_id, tls_version, user_agent, event_time FROM read_parquet('{file}', file_row_number = true) ORDER BY file_row_number");

        Assert.Equal([(3L, "TLSv1", "TLSv1.1"), (3L, "TLSv1.2", "TLSv1.3")], groups);
        // Legacy calls first, then the rest, each in arrival order; every column moved with its row.
        Assert.Equal(["x1", "y1", "x2", "m1", "u1", "m2"], rows.Select(r => (string)r[0]!));
        Assert.Equal(["TLSv1", "TLSv1.1", "TLSv1", "TLSv1.2", null, "TLSv1.3"], rows.Select(r => (string?)r[1]));
        Assert.Equal([Java7, Script, Java7], rows.Take(3).Select(r => (string)r[2]!));
        Assert.Equal(new DateTime(2026, 11, 17, 10, 0, 5, DateTimeKind.Utc), Convert.ToDateTime(rows[2][3], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("TLSv1.2", "TLSv1.3")]
    [InlineData("TLSv1", "TLSv1.1")]
    [InlineData("SSLv3", "TLSv1.0")] // legacy spellings besides CloudTrail's own
    [InlineData("TLSv1.2", "tlsVersion")] // an unrecognised value is not legacy (the report shows it with unknown)
    public async Task Ingest_PartitionOfOneClass_WritesOneRowGroup(string first, string second)
    {
        using var dir = new TempDir();
        var lake = await Ingest(dir,
            Record("a1", "2026-11-17T10:00:00Z", B, B, "b", Java7, "10.2.0.1", first),
            Record("a2", "2026-11-17T10:00:01Z", B, B, "b", Java7, "10.2.0.1", second));

        var group = Assert.Single(TlsVersionRowGroups(PartitionFile(lake, B)));

        Assert.Equal((2L, first, second), group);
    }

    [Fact]
    public async Task Ingest_AnyFile_KeepsStatisticsOnlyWhereRowsAreClustered()
    {
        using var dir = new TempDir();
        var lake = await Ingest(dir,
            Record("s1", "2026-11-17T10:00:00Z", A, A, "m", "aws-cli/2.15.30", "10.0.0.9", "TLSv1.2"),
            Record("s2", "2026-11-17T10:00:01Z", A, A, "x", Java7, "10.0.0.1", "TLSv1"));

        var columns = LakeReader.Query($"SELECT DISTINCT path_in_schema, stats_min_value IS NOT NULL FROM parquet_metadata('{PartitionFile(lake, A)}')")
            .ToDictionary(r => (string)r[0]!, r => (bool)r[1]!);

        Assert.True(columns["tls_version"], "tls_version has min/max statistics (the offenders query skips row groups by them)");
        Assert.True(columns["event_time"], "event_time has min/max statistics");
        Assert.Equal(["event_time", "tls_version"], columns.Where(c => c.Value).Select(c => c.Key).Order(StringComparer.Ordinal));
        Assert.Equal(20, columns.Count); // event_time and the 19 string columns
    }
}

using DuckDB.NET.Data;
using Pipeline.Ingest;
using Pipeline.Reporting.Queries;
using Pipeline.Tests.Support;
using static Pipeline.Tests.Support.ReportFixture;

namespace Pipeline.Tests.Reporting;

public sealed class DuckDbLakeTests
{
    private static readonly SqlParameters Weeks46To47 = new(new DateOnly(2026, 11, 9), new DateOnly(2026, 11, 22), []);

    [Theory]
    [InlineData("2026-11-01")] // sorts first: DuckDB takes the columns from it, and a query names one it lacks
    [InlineData("2026-11-18")] // sorts later: the file lacks a column the first file has
    public async Task AccountWeeks_FileOfAnOlderSchema_ReadsItWithTheMissingColumnAsNull(string date)
    {
        using var dir = new TempDir();
        var lake = await BuildLake(dir);
        // A file from a schema without cipher_suite and vpc_endpoint_id, holding one more legacy call of A's client x.
        var folder = Path.Combine(lake, "tls_events", $"event_date={date}", $"account_id={A}");
        Directory.CreateDirectory(folder);
        var template = Directory.EnumerateFiles(Path.Combine(lake, "tls_events", "event_date=2026-11-16", $"account_id={A}"), "*.parquet").First();
        using (var duck = new DuckDBConnection("DataSource=:memory:"))
        {
            duck.Open();
            using var cmd = duck.CreateCommand();
            cmd.CommandText = $"""
                COPY (SELECT * EXCLUDE (cipher_suite, vpc_endpoint_id) REPLACE ('old1' AS event_id, TIMESTAMP '{date} 12:00:00' AS event_time)
                      FROM read_parquet('{template}') LIMIT 1)
                TO '{Path.Combine(folder, "part-old-schema.parquet")}' (FORMAT parquet)
                """;
            cmd.ExecuteNonQuery();
        }

        using var lakeDb = new DuckDbLake(lake);
        var weeks = lakeDb.AccountWeeks(new SqlParameters(new DateOnly(2026, 10, 26), new DateOnly(2026, 11, 22), []));
        var offenders = lakeDb.Offenders(new SqlParameters(new DateOnly(2026, 10, 26), new DateOnly(2026, 11, 22), []));

        Assert.True(lakeDb.UnionByName);
        var day = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
        // Week 47 has x1 x2 x3 y1 h1 h2 h3 d1 before it; week 44 had no call of A's.
        Assert.Equal(monday == new DateOnly(2026, 11, 16) ? 9 : 1, weeks.Single(w => w.WeekStart == monday && w.Account == A).LegacyCalls);
        // old1 is a copy of x's PutObject call on that day; its cipher suite is missing, so unknown.
        var x = offenders.Single(o => o.WeekStart == monday && o.Client.Principal.EndsWith(":user/x", StringComparison.Ordinal) && o.EventName == "PutObject");
        Assert.Equal("old1", x.SampleEventId);
        Assert.Contains("unknown", x.Seen.CipherSuites);
    }

    [Fact]
    public async Task AccountWeeks_LakeOfOneSchema_ReadsFilesAsTheyAre()
    {
        using var dir = new TempDir();
        var lake = await BuildLake(dir);

        using var lakeDb = new DuckDbLake(lake);
        var weeks = lakeDb.AccountWeeks(Weeks46To47);

        Assert.False(lakeDb.UnionByName);
        Assert.Equal(8, weeks.Single(w => w.WeekStart == new DateOnly(2026, 11, 16) && w.Account == A).LegacyCalls);
    }

    [Fact]
    public async Task AccountWeeks_LakeWithHistoryAndEmptyDays_ReadsOnlyTheWindowsFiles()
    {
        using var dir = new TempDir();
        var lake = await BuildLake(dir);
        var table = Path.Combine(lake, "tls_events");
        // A damaged file on a day before the window: reading it would fail the query.
        Directory.CreateDirectory(Path.Combine(table, "event_date=2025-01-06", $"account_id={A}"));
        await File.WriteAllTextAsync(Path.Combine(table, "event_date=2025-01-06", $"account_id={A}", "part-bad-0000.parquet"), "not parquet");
        // Day folders inside the window without files (a partition emptied by hand, or an interrupted copy).
        Directory.CreateDirectory(Path.Combine(table, "event_date=2026-11-21", $"account_id={B}"));
        Directory.CreateDirectory(Path.Combine(table, "event_date=2026-11-10"));

        using var lakeDb = new DuckDbLake(lake);
        var weeks = lakeDb.AccountWeeks(Weeks46To47);
        var empty = lakeDb.AccountWeeks(new SqlParameters(new DateOnly(2026, 1, 5), new DateOnly(2026, 1, 11), []));

        Assert.Equal(8, weeks.Single(w => w.WeekStart == new DateOnly(2026, 11, 16) && w.Account == A).LegacyCalls);
        Assert.Empty(empty);
        // 11-12, 11-15 and 11-16 to 11-22 but the 21st, which has folders and no file.
        var window = lakeDb.Window(Weeks46To47);
        Assert.Equal(8, window.Days);
        Assert.Equal(
            Directory.GetDirectories(table, "event_date=2026-11-*").Where(d => string.CompareOrdinal(Path.GetFileName(d), "event_date=2026-11-22") <= 0)
                .Sum(d => Directory.GetFiles(d, "*.parquet", SearchOption.AllDirectories).Length),
            window.Files);
        var damaged = Assert.Throws<ReportException>(() => lakeDb.AccountWeeks(new SqlParameters(new DateOnly(2025, 1, 6), new DateOnly(2025, 1, 12), [])));
        Assert.StartsWith("the lake could not be read: ", damaged.Message, StringComparison.Ordinal);
        Assert.Contains("part-bad-0000.parquet", damaged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offenders_TlsVersionSortingInsideTheLegacyRange_IsUnrecognisedNotLegacy()
    {
        // The offenders query filters on a range the Parquet scan applies ('1.0' .. 'TLSv1.1'); other strings sort
        // inside it and must not count as legacy, nor as current: they are unrecognised, shown with unknown.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("archive"));
        await File.WriteAllLinesAsync(dir.Sub("archive/odd.ndjson"),
        [
            Record("o1", "2026-11-17T10:00:00Z", A, A, "odd", Java7, "10.0.0.1", "TLSv1.0"),
            Record("o2", "2026-11-17T10:00:01Z", A, A, "odd", Java7, "10.0.0.1", "TLSv1.05"),
            Record("o3", "2026-11-17T10:00:02Z", A, A, "odd", Java7, "10.0.0.1", "TLSv1.1"),
            Record("o4", "2026-11-17T10:00:03Z", A, A, "odd", Java7, "10.0.0.1", "1.2"),
        ]);
        var lake = dir.Sub("lake");
        await new ArchiveIngest(new IngestOptions(), TimeProvider.System).RunAsync(new IngestRequest(dir.Sub("archive"), lake), CancellationToken.None);

        using var lakeDb = new DuckDbLake(lake);
        var offender = Assert.Single(lakeDb.Offenders(Weeks46To47));
        var week = Assert.Single(lakeDb.AccountWeeks(Weeks46To47));

        Assert.Equal(2, offender.LegacyCalls);
        Assert.Equal("o1", offender.SampleEventId);
        Assert.Equal(["TLSv1.0", "TLSv1.1"], offender.Seen.TlsVersions);
        Assert.Equal(2, week.LegacyCalls);
        Assert.Equal(3, week.TlsCalls); // o1, o3 legacy; o4 ("1.2") current
        Assert.Equal(1, week.UnrecognisedCalls);
        Assert.Equal(["TLSv1.05"], week.UnrecognisedValues);
        Assert.Equal(0, week.UnknownCalls);
    }
}

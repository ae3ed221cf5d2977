using DuckDB.NET.Data;
using Pipeline.Reporting;
using Pipeline.Reporting.Queries;
using Pipeline.Reporting.Weeks;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Reporting;

/// <summary>The views of schemas/athena/views/, as <c>schema athena --apply</c> creates them, run on DuckDB over a real lake.</summary>
public sealed class AthenaViewsTests
{
    private static DuckDBConnection Open(string lake)
    {
        var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        var glob = Path.Combine(lake, "tls_events", "*", "*", "*.parquet").Replace('\\', '/');
        Run(duck, "SET TimeZone = 'UTC'");
        Run(duck, $"CREATE VIEW tls_events AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, hive_types_autocast = false, union_by_name = true)");
        foreach (var view in AthenaDdl.ViewNames)
        {
            Run(duck, AthenaDdl.View(view));
        }

        return duck;
    }

    private static void Run(DuckDBConnection duck, string sql)
    {
        using var cmd = duck.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static List<object?[]> Rows(DuckDBConnection duck, string sql)
    {
        using var cmd = duck.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray());
        }

        return rows;
    }

    [Fact]
    public async Task Clients_FixtureLake_TheReportsLegacyClientsOfTheWeek()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        var org = await ReportJob.RunAsync(new ReportRequest(lake, new IsoWeek(2026, 47), dir.Sub("out"), 4, Now: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        using var duck = Open(lake);

        var viewClients = Rows(duck, "SELECT DISTINCT caller_kind, principal FROM clients WHERE week_start = DATE '2026-11-16' AND legacy_calls > 0")
            .Select(r => $"{r[0]} {r[1]}").Order(StringComparer.Ordinal).ToList();
        var reportClients = org.Accounts.SelectMany(a => a.Offenders).Where(o => o.Latest.WeekStart == new DateOnly(2026, 11, 16) && o.LegacyCalls > 0)
            .Select(o => $"{o.Client.Kind.ToString().ToLowerInvariant()} {o.Client.Principal}").Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(reportClients);
        Assert.Equal(reportClients, viewClients);
    }

    [Fact]
    public async Task LegacyCallsWeekly_FixtureLake_EachEventOnceAndUnknownCounted()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        using var duck = Open(lake);

        var weekly = Rows(duck, "SELECT CAST(sum(legacy_calls) AS BIGINT), CAST(sum(unknown_calls) AS BIGINT), CAST(sum(calls) AS BIGINT) FROM legacy_calls_weekly WHERE week_start = DATE '2026-11-16'").Single();
        var legacy = string.Join(", ", Pipeline.Schema.TlsVersions.LegacySpellings.Select(s => $"'{s.Value}'"));
        var raw = Rows(duck, $"""
            SELECT count(DISTINCT CASE WHEN tls_version IN ({legacy}) THEN event_id END),
                   count(DISTINCT CASE WHEN tls_version IS NULL THEN event_id END),
                   count(DISTINCT event_id)
            FROM tls_events WHERE event_date BETWEEN '2026-11-16' AND '2026-11-22'
            """).Single();

        Assert.True(Convert.ToInt64(raw[0]) > 0);
        Assert.Equal(Convert.ToInt64(raw[0]), Convert.ToInt64(weekly[0]));
        Assert.Equal(Convert.ToInt64(raw[1]), Convert.ToInt64(weekly[1]));
        Assert.Equal(Convert.ToInt64(raw[2]), Convert.ToInt64(weekly[2]));
    }

    [Fact]
    public async Task UnknownTlsByService_FixtureLake_ShareIsUnknownOverAll()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        using var duck = Open(lake);

        foreach (var row in Rows(duck, "SELECT event_source, calls, unknown_calls, unknown_share FROM unknown_tls_by_service"))
        {
            Assert.Equal((double)Convert.ToInt64(row[2]) / Convert.ToInt64(row[1]), Convert.ToDouble(row[3]), 9);
        }

        Assert.Contains(Rows(duck, "SELECT unknown_calls FROM unknown_tls_by_service"), r => Convert.ToInt64(r[0]) > 0);
    }
}

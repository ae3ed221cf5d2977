using Amazon.Runtime;
using Pipeline.Athena.Client;
using Pipeline.Reporting;
using Pipeline.Reporting.Weeks;

namespace Pipeline.Athena.Tests;

/// <summary>The report on the Athena engine, against <see cref="AthenaStandIn"/> (a stand-in for Athena that runs the SQL on DuckDB).</summary>
public sealed class AthenaLakeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunAsync_AthenaAndDuckDbOnOneLake_IdenticalOutputsByteForByte()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        var owners = dir.Sub("owners.csv");
        await File.WriteAllTextAsync(owners, "account_id,name,owner_email,team\n111111111111,alpha,alpha@example.com,payments\n444444444444,quiet,quiet@example.com,none\n");
        var week = new IsoWeek(2026, 47);

        var duck = await ReportJob.RunAsync(new ReportRequest(lake, week, dir.Sub("duckdb"), 4, owners, Now: Now));

        using var athena = new AthenaStandIn(lake);
        using var client = new AthenaClient(new AthenaClientOptions { Endpoint = athena.Endpoint }, new BasicAWSCredentials("AKIDEXAMPLE", "secret"));
        var options = new AthenaOptions { PageSize = 3, FirstPoll = TimeSpan.FromMilliseconds(10) };
        var progress = new List<string>();
        using var engine = new AthenaLake(new AthenaQueries(client, options, TimeProvider.System, progress.Add), options);
        var onAthena = await ReportJob.RunAsync(new ReportRequest("s3://lake-bucket/pipeline", week, dir.Sub("athena"), 4, owners, Now: Now), engine, progress.Add);

        // Every query ran on "Athena" (paged three rows at a time), and gave the same report.
        Assert.Equal(4, athena.Selects.Count);
        Assert.True(athena.Count("GetQueryResults") > 8, "results were read over many pages");
        Assert.NotEmpty(duck.Accounts);
        Assert.Equal(duck.Accounts.Count, onAthena.Accounts.Count);
        var expected = Files(Path.Combine(dir.Sub("duckdb"), "2026-W47"));
        var actual = Files(Path.Combine(dir.Sub("athena"), "2026-W47"));
        Assert.Equal(expected.Keys, actual.Keys);
        Assert.True(expected.Count >= 8, "the report wrote its files");
        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs between the engines");
        }

        Assert.Contains(progress, p => p.StartsWith("offenders: SUCCEEDED in ", StringComparison.Ordinal));
        Assert.Contains(progress, p => p.Contains("with Athena (workgroup primary, database pipeline)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_QueryFailsOnAthena_TheReportStopsNamingTheQuery()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        using var athena = new AthenaStandIn(lake);
        using var client = new AthenaClient(new AthenaClientOptions { Endpoint = athena.Endpoint }, new BasicAWSCredentials("AKIDEXAMPLE", "secret"));
        var options = new AthenaOptions { FirstPoll = TimeSpan.FromMilliseconds(10) };
        using var engine = new AthenaLake(new AthenaQueries(client, options, TimeProvider.System), options);
        athena.FailNextQuery("TABLE_NOT_FOUND: line 1:1: Table 'awsdatacatalog.pipeline.tls_events' does not exist");

        var e = await Assert.ThrowsAsync<AthenaQueryException>(() =>
            ReportJob.RunAsync(new ReportRequest("s3://lake-bucket/pipeline", new IsoWeek(2026, 47), dir.Sub("out"), 4, Now: Now), engine));

        Assert.Contains("coverage FAILED: TABLE_NOT_FOUND", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Sub("out")) && Directory.EnumerateFiles(dir.Sub("out"), "*", SearchOption.AllDirectories).Any(), "no partial report is written");
    }

    private static SortedDictionary<string, byte[]> Files(string root) =>
        new(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes), StringComparer.Ordinal);
}

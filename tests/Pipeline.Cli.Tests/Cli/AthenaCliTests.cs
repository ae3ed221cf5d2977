using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cli;

/// <summary>
/// <c>pipeline report --engine athena</c> and <c>pipeline schema athena --apply</c> as a user runs them, against
/// <see cref="AthenaStandIn"/>: a stand-in for Athena that speaks its protocol and runs the SQL on DuckDB.
/// </summary>
public sealed class AthenaCliTests
{
    private static readonly (string, string)[] Credentials =
    [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret"), ("AWS_REGION", "us-east-1"), ("AWS_EC2_METADATA_DISABLED", "true"),
    ];

    [Fact]
    public async Task Report_EngineAthena_SameTicketsAsDuckDbAndNothingDownloaded()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        using var athena = new AthenaStandIn(lake);

        var onAthena = CliProcess.RunWith(Credentials, "report", "--engine", "athena", "--lake", "s3://lake-bucket/pipeline", "--endpoint", athena.Endpoint.ToString(),
            "--workgroup", "reports", "--database", "tls", "--week", "2026-W47", "--out", dir.Sub("athena"), "--weeks-back", "4");
        var onDuckDb = CliProcess.Run("report", "--lake", lake, "--week", "2026-W47", "--out", dir.Sub("duckdb"), "--weeks-back", "4");

        Assert.True(onAthena.ExitCode == 0, onAthena.Stderr);
        Assert.True(onDuckDb.ExitCode == 0, onDuckDb.Stderr);
        Assert.Equal(4, athena.Selects.Count);
        Assert.Contains("with Athena (workgroup reports, database tls)", onAthena.Stderr, StringComparison.Ordinal);
        Assert.Contains("offenders: SUCCEEDED in ", onAthena.Stderr, StringComparison.Ordinal);
        Assert.Contains("Athena scanned ", onAthena.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("fetching", onAthena.Stderr, StringComparison.Ordinal);
        foreach (var file in new[] { "tickets.csv", "summary.csv", "tickets.json" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(dir.Sub("duckdb"), "2026-W47", file)), File.ReadAllText(Path.Combine(dir.Sub("athena"), "2026-W47", file)));
        }
    }

    [Fact]
    public async Task Report_QueryFailsOnAthena_ExitOneNamingTheReasonAndQueryId()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        using var athena = new AthenaStandIn(lake);
        athena.FailNextQuery("TABLE_NOT_FOUND: Table 'awsdatacatalog.pipeline.tls_events' does not exist");

        var r = CliProcess.RunWith(Credentials, "report", "--engine", "athena", "--lake", "s3://lake-bucket/pipeline", "--endpoint", athena.Endpoint.ToString(),
            "--week", "2026-W47", "--out", dir.Sub("out"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Athena query coverage FAILED: TABLE_NOT_FOUND", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("(query id ", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--lake", "/tmp/a-local-lake", "reads a lake in S3")]
    [InlineData("--database", "Bad-Name", "not an Athena database name")]
    public void Report_EngineAthenaBadInput_OneLineError(string flag, string value, string expected)
    {
        string[] args = flag == "--lake"
            ? ["report", "--engine", "athena", "--lake", value]
            : ["report", "--engine", "athena", "--lake", "s3://b/p", flag, value];

        var r = CliProcess.RunWith(Credentials, args);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_AthenaFlagWithDuckDb_Refused()
    {
        var r = CliProcess.Run("report", "--lake", "/tmp", "--workgroup", "primary");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--workgroup is for --engine athena", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemaAthenaApply_LocalLakeAccounts_DatabaseTableProjectionAndViewsCreated()
    {
        using var dir = new TempDir();
        var lake = await ReportFixture.BuildLake(dir);
        using var athena = new AthenaStandIn(lake);

        var r = CliProcess.RunWith(Credentials, "schema", "athena", "--apply", "--location", "s3://lake-bucket/pipeline", "--accounts-from-lake", lake,
            "--endpoint", athena.Endpoint.ToString(), "--database", "tls");

        Assert.True(r.ExitCode == 0, r.Stderr);
        var ddl = athena.Ddl.ToList();
        Assert.Equal(3 + 4, ddl.Count);
        Assert.Equal("CREATE DATABASE IF NOT EXISTS tls", ddl[0]);
        Assert.Contains("CREATE EXTERNAL TABLE IF NOT EXISTS tls_events", ddl[1], StringComparison.Ordinal);
        Assert.Contains($"'projection.account_id.values' = '{ReportFixture.A},{ReportFixture.B},{ReportFixture.C}'", ddl[1], StringComparison.Ordinal);
        Assert.StartsWith("ALTER TABLE tls_events SET TBLPROPERTIES ('projection.account_id.values' = ", ddl[2], StringComparison.Ordinal);
        Assert.All(ddl, s => Assert.False(s.TrimEnd().EndsWith(';'), "Athena takes one statement without a semicolon"));
        Assert.All(ddl, s => Assert.Matches("^(CREATE|ALTER) ", s)); // Athena tells DDL by the first word: no leading comments
        Assert.Contains(ddl, s => s.Contains("CREATE OR REPLACE VIEW clients AS", StringComparison.Ordinal));
        Assert.Contains("tls.tls_events over s3://lake-bucket/pipeline/tls_events/ for 3 accounts", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaAthena_NoAccounts_RefusedNamingTheWaysToGiveThem()
    {
        var r = CliProcess.Run("schema", "athena", "--location", "s3://my-lake");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no account IDs", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--accounts-from-lake", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaAthena_Printed_TableThenViews()
    {
        var r = CliProcess.Run("schema", "athena", "--location", "s3://my-lake", "--accounts", "111111111111");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("'projection.account_id.type' = 'enum'", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("'projection.account_id.type' = 'injected'", r.Stdout, StringComparison.Ordinal);
        Assert.True(r.Stdout.IndexOf("CREATE OR REPLACE VIEW tls_calls", StringComparison.Ordinal) > r.Stdout.IndexOf("CREATE EXTERNAL TABLE", StringComparison.Ordinal));
        Assert.DoesNotContain("${", r.Stdout.Replace("${event_date}", "", StringComparison.Ordinal).Replace("${account_id}", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}

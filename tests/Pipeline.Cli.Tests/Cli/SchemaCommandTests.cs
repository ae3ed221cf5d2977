using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cli;

public sealed class SchemaCommandTests
{
    [Fact]
    public async Task SchemaAthena_AccountsFromLake_DdlForTheBucketWithThoseAccounts()
    {
        using var tmp = new TempDir();
        var file = tmp.Sub("in.json");
        await File.WriteAllTextAsync(file, Records.LogFile(Records.Record("a", account: "111111111111"), Records.Record("b", account: "222222222222")));
        Assert.Equal(0, CliProcess.Run("ingest", "--source", file, "--lake", tmp.Sub("lake")).ExitCode);

        var run = CliProcess.Run("schema", "athena", "--location", "s3://my-lake/pipeline/", "--accounts-from-lake", tmp.Sub("lake"), "--accounts", "333333333333");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("LOCATION 's3://my-lake/pipeline/tls_events/'", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("'projection.account_id.values' = '111111111111,222222222222,333333333333'", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("'storage.location.template' = 's3://my-lake/pipeline/tls_events/event_date=${event_date}/account_id=${account_id}/'", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("${LOCATION}", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("${ACCOUNT_IDS}", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--location", "my-lake/pipeline", "not an s3://")]
    [InlineData("--accounts", "12345", "12 digits")]
    public void SchemaAthena_BadInput_OneLineError(string flag, string value, string expected)
    {
        string[] args = flag == "--location" ? ["schema", "athena", flag, value] : ["schema", "athena", "--location", "s3://bucket/p", flag, value];

        var run = CliProcess.Run(args);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaParquet_PrintsTheMachineReadableSchema()
    {
        var run = CliProcess.Run("schema", "parquet");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(Paths.RepoRoot, "schemas", "tls_events.schema.json")).ReplaceLineEndings("\n"), run.Stdout);
    }
}

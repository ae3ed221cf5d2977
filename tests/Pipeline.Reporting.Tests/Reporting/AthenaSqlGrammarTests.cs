using Pipeline.Reporting.Queries;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Reporting;

/// <summary>Everything Pipeline sends to Athena, checked against Trino's grammar (engine v3) and the DDL against Hive's, with dt-sql-parser.</summary>
public sealed class AthenaSqlGrammarTests
{
    private static readonly SqlParameters Window = new(new DateOnly(2026, 9, 21), new DateOnly(2026, 11, 22), ["111111111111", "222222222222"]);

    [Fact]
    public void ReportQueriesAndViews_AsAthenaRunsThem_ValidTrinoSql()
    {
        var statements = ReportSql.Names.Prepend("coverage").Distinct()
            .Select(n => new SqlGrammar.Statement(n, "trino", ReportSql.Compose(n, Window)))
            .Concat(AthenaDdl.ViewNames.Select(v => new SqlGrammar.Statement("view " + v, "trino", AthenaDdl.View(v))))
            .ToList();

        var errors = SqlGrammar.Check(statements);

        Assert.Equal(statements.Count, errors.Count);
        Assert.All(errors, e => Assert.True(e.Value.Count == 0, $"{e.Key}: {string.Join("; ", e.Value)}"));
    }

    [Fact]
    public void ApplyStatements_TableDatabaseAndProjection_ValidHiveDdl()
    {
        var statements = AthenaDdl.Statements("s3://lake-bucket/pipeline", ["111111111111", "222222222222"], "pipeline")
            .Where(s => !s.Name.StartsWith("view ", StringComparison.Ordinal))
            .Select(s => new SqlGrammar.Statement(s.Name, "hive", s.Sql))
            .ToList();

        var errors = SqlGrammar.Check(statements);

        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.True(e.Value.Count == 0, $"{e.Key}: {string.Join("; ", e.Value)}"));
    }

    [Fact]
    public void Check_DuckDbOnlyHint_RejectedByTrinosGrammar()
    {
        // The check tells dialects apart: the DuckDB form of a query (AS NOT MATERIALIZED) is not Trino SQL.
        var errors = SqlGrammar.Check([new SqlGrammar.Statement("duckdb", "trino", ReportSql.ComposeForDuckDb("offenders", Window))]);

        Assert.NotEmpty(errors["duckdb"]);
    }
}

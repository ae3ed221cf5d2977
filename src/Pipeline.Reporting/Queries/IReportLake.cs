using Pipeline.Reporting.Model;

namespace Pipeline.Reporting.Queries;

/// <summary>
/// An engine that runs the report's queries over a lake: embedded DuckDB over a local folder, or Athena over the lake
/// in S3. Each gives the rows of the same SQL; <see cref="ReportRowMap"/> turns them into the report's rows, so both
/// feed the same builder and renderers.
/// </summary>
public interface IReportLake : IDisposable
{
    /// <summary>Where the queries run, for progress lines (<c>DuckDB over /lake</c>, <c>Athena workgroup primary</c>).</summary>
    string Describe { get; }

    /// <summary>A line on what the window holds (days, files, bytes), or null where the engine cannot tell without a query.</summary>
    Task<string?> DescribeWindowAsync(SqlParameters p, CancellationToken ct);

    /// <summary>The accounts and days of the window the lake holds records for (<c>coverage.sql</c>).</summary>
    Task<List<CoverageDay>> CoverageAsync(SqlParameters p, CancellationToken ct);

    /// <summary><c>account_weeks.sql</c>.</summary>
    Task<List<AccountWeek>> AccountWeeksAsync(SqlParameters p, CancellationToken ct);

    /// <summary><c>offenders.sql</c>.</summary>
    Task<List<OffenderCalls>> OffendersAsync(SqlParameters p, CancellationToken ct);

    /// <summary><c>client_facets.sql</c>.</summary>
    Task<List<FacetRow>> ClientFacetsAsync(SqlParameters p, CancellationToken ct);

    /// <summary>Something the user should know about how the queries ran (e.g. a slower path taken), or null.</summary>
    string? Note { get; }
}

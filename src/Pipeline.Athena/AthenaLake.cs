using System.Globalization;
using Pipeline.Reporting.Model;
using Pipeline.Reporting.Queries;

namespace Pipeline.Athena;

/// <summary>
/// The report's queries run by Athena over the lake in S3 (nothing of it is downloaded): the same SQL as on DuckDB,
/// composed for Athena (<see cref="ReportSql.Compose"/>), in the database holding <c>tls_events</c>; the rows come
/// back typed and are mapped by the same <see cref="ReportRowMap"/>.
/// </summary>
public sealed class AthenaLake(AthenaQueries queries, AthenaOptions options) : IReportLake
{
    /// <inheritdoc />
    public string Describe => $"Athena (workgroup {options.Workgroup}, database {options.Database})";

    /// <inheritdoc />
    public string? Note => null;

    /// <inheritdoc />
    public Task<string?> DescribeWindowAsync(SqlParameters p, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <inheritdoc />
    public async Task<List<CoverageDay>> CoverageAsync(SqlParameters p, CancellationToken ct) =>
        [.. (await RunAsync("coverage", p, ct).ConfigureAwait(false)).Select(ReportRowMap.Coverage)];

    /// <inheritdoc />
    public async Task<List<AccountWeek>> AccountWeeksAsync(SqlParameters p, CancellationToken ct) =>
        [.. (await RunAsync("account_weeks", p, ct).ConfigureAwait(false)).Select(ReportRowMap.AccountWeek)];

    /// <inheritdoc />
    public async Task<List<OffenderCalls>> OffendersAsync(SqlParameters p, CancellationToken ct) =>
        [.. (await RunAsync("offenders", p, ct).ConfigureAwait(false)).Select(ReportRowMap.Offender)];

    /// <inheritdoc />
    public async Task<List<FacetRow>> ClientFacetsAsync(SqlParameters p, CancellationToken ct) =>
        [.. (await RunAsync("client_facets", p, ct).ConfigureAwait(false)).Select(ReportRowMap.Facet)];

    /// <summary>What the report's queries scanned and cost, for its last progress line.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"Athena scanned {queries.ScannedBytes / 1048576.0:N1} MiB in all, about USD {queries.CostUsd:0.0000} at USD {options.UsdPerTerabyte} per TB");

    private async Task<List<object?[]>> RunAsync(string name, SqlParameters p, CancellationToken ct)
    {
        var answer = await queries.RunAsync(name, ReportSql.Compose(name, p), ct).ConfigureAwait(false);
        return answer.Rows;
    }

    public void Dispose()
    {
    }
}

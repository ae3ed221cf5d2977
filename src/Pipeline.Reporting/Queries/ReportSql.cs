using System.Globalization;
using System.Reflection;
using Pipeline.Schema;

namespace Pipeline.Reporting.Queries;

/// <summary>Values bound into the report SQL. Everything is validated before it is bound, so binding is textual.</summary>
/// <param name="From">First day of the window (Monday of the earliest week).</param>
/// <param name="To">Last day of the window (Sunday of the report week).</param>
/// <param name="OwnerAccounts">12-digit account IDs from the owners file.</param>
public sealed record SqlParameters(DateOnly From, DateOnly To, IReadOnlyCollection<string> OwnerAccounts);

/// <summary>
/// The report's SQL, from <c>schemas/queries/*.sql</c>: each query uses the shared <c>events</c> CTE (each event ID
/// once, attributed to the owning account). Composed and bound here; the same text runs on DuckDB and Athena.
/// </summary>
public static class ReportSql
{
    /// <summary>The queries a report runs, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["coverage", "account_weeks", "offenders", "client_facets"];

    /// <summary><c>${client_key}</c> in Athena (Trino): a 64-bit hash of a client's caller kind and principal (never NULL).</summary>
    internal const string AthenaClientKey = "xxhash64(to_utf8(caller_kind || chr(31) || principal))";

    /// <summary><c>${client_key}</c> in DuckDB: its own 64-bit hash of the same values.</summary>
    internal const string DuckDbClientKey = "hash(caller_kind, principal)";

    /// <summary><c>${tls_class}</c>: the class of <c>t.tls_version</c>, from <see cref="TlsVersions"/>.</summary>
    internal static string TlsClassSql { get; } =
        $"CASE WHEN t.tls_version IS NULL THEN 'unknown' WHEN t.tls_version IN ({List(TlsVersions.LegacySpellings)}) THEN 'legacy' "
        + $"WHEN t.tls_version IN ({List(TlsVersions.CurrentSpellings)}) THEN 'current' ELSE 'unrecognised' END";

    /// <summary>
    /// <c>${legacy_tls}</c>: whether <c>tls_version</c> is legacy, as a range (which a Parquet scan applies row by row)
    /// and the exact IN list.
    /// </summary>
    internal static string LegacyTlsSql { get; } =
        $"tls_version BETWEEN {Quote(TlsVersions.LegacySpellings.Select(s => s.Value).Min(StringComparer.Ordinal)!)} AND {Quote(TlsVersions.LegacySpellings.Select(s => s.Value).Max(StringComparer.Ordinal)!)} "
        + $"AND tls_version IN ({List(TlsVersions.LegacySpellings)})";

    private static string List(IEnumerable<(string Value, string Protocol)> spellings) => string.Join(", ", spellings.Select(s => Quote(s.Value)));

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary><c>calls.sql</c> bound: every record with its workload key and TLS class (the <c>tls_calls</c> view).</summary>
    public static string Calls() => Read("calls").Replace("${tls_class}", TlsClassSql, StringComparison.Ordinal);

    /// <summary>The query as Athena runs it: the <c>events</c> CTE inline.</summary>
    public static string Compose(string name, SqlParameters p) => Compose(name, p, AthenaClientKey, AthenaListType);

    /// <summary><c>${list_type}</c> in Athena: lists come back as JSON text, which parses back exactly.</summary>
    internal const string AthenaListType = "JSON";

    /// <summary><c>${list_type}</c> in DuckDB: its own list (the cast is a no-op).</summary>
    internal const string DuckDbListType = "VARCHAR[]";

    /// <summary>
    /// The query for DuckDB: the same text with DuckDB's hash and one hint. DuckDB materialises a CTE used more than
    /// once (all of the window's rows, in memory), which also stops filters reaching the Parquet scan; Athena has no
    /// such hint and needs none.
    /// </summary>
    public static string ComposeForDuckDb(string name, SqlParameters p) =>
        Compose(name, p, DuckDbClientKey, DuckDbListType)
            .Replace("\nevents AS (", "\nevents AS NOT MATERIALIZED (", StringComparison.Ordinal)
            .Replace("\nlegacy AS (", "\nlegacy AS NOT MATERIALIZED (", StringComparison.Ordinal);

    private static string Compose(string name, SqlParameters p, string clientKey, string listType) =>
        Bind(Read(name).Replace("${events}", Read("events").Replace("${calls}", Read("calls"), StringComparison.Ordinal), StringComparison.Ordinal), p)
            .Replace("${client_key}", clientKey, StringComparison.Ordinal)
            .Replace("${list_type}", listType, StringComparison.Ordinal)
            .Replace("${tls_class}", TlsClassSql, StringComparison.Ordinal)
            .Replace("${legacy_tls}", LegacyTlsSql, StringComparison.Ordinal);

    private static string Bind(string sql, SqlParameters p)
    {
        foreach (var id in p.OwnerAccounts)
        {
            if (!Owners.OwnerDirectory.IsAccountId(id))
            {
                throw new ArgumentException($"not an account ID: {id}", nameof(p));
            }
        }

        // A sentinel row keeps VALUES non-empty when there is no owners file; no account has that ID.
        var owners = string.Join(", ", p.OwnerAccounts.Order(StringComparer.Ordinal).Prepend("000000000000").Select(id => $"('{id}')"));
        return sql
            .Replace("${from_date}", p.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("${to_date}", p.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("${owner_accounts}", owners, StringComparison.Ordinal);
    }

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"queries/{name}.sql")
            ?? throw new InvalidOperationException($"no query named {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().TrimEnd();
    }
}

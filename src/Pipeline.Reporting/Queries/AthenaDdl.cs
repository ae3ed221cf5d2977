using System.Reflection;
using System.Text.RegularExpressions;

namespace Pipeline.Reporting.Queries;

/// <summary>
/// The Athena table over a lake in S3, from <c>schemas/athena/tls_events.sql</c>, with partition projection on
/// <c>event_date</c> (a date range) and on <c>account_id</c> (an enum of the organization's accounts: an injected
/// projection would refuse the report's queries), and the views of <c>schemas/athena/views/</c>.
/// </summary>
public static partial class AthenaDdl
{
    /// <summary>The views, in the order they are created (each reads the ones before it).</summary>
    public static IReadOnlyList<string> ViewNames { get; } = ["tls_calls", "legacy_calls_weekly", "clients", "unknown_tls_by_service"];

    [GeneratedRegex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^'\\\\]*)?$")]
    private static partial Regex S3Location();

    /// <summary>The table's CREATE EXTERNAL TABLE for <paramref name="location"/> and the organization's accounts.</summary>
    public static string Render(string location, IReadOnlyCollection<string> accounts)
    {
        if (!S3Location().IsMatch(location))
        {
            throw new ArgumentException($"--location '{location}' is not an s3://BUCKET[/PREFIX] location");
        }

        if (accounts.Any(a => a.Length != 12 || !a.All(char.IsAsciiDigit)))
        {
            throw new ArgumentException("account IDs must be 12 digits: " + string.Join(", ", accounts.Where(a => a.Length != 12 || !a.All(char.IsAsciiDigit)).Take(3)));
        }

        if (accounts.Count == 0)
        {
            throw new ArgumentException(
                "no account IDs for the account_id projection: give --accounts, --owners or --accounts-from-lake (a local lake or the s3:// lake itself); Athena reads only the accounts it lists");
        }

        return Read("athena/tls_events.sql")
            .Replace("${LOCATION}", location.TrimEnd('/'), StringComparison.Ordinal)
            .Replace("${ACCOUNT_IDS}", AccountList(accounts), StringComparison.Ordinal);
    }

    /// <summary>A view's CREATE OR REPLACE VIEW, bound (the same text runs on DuckDB).</summary>
    public static string View(string name) =>
        Read($"athena/views/{name}.sql").Replace("${calls}", ReportSql.Calls(), StringComparison.Ordinal).TrimEnd();

    /// <summary>
    /// What <c>--apply</c> runs, in order: the database, the table (created if missing), its account list and location
    /// (updated if it existed), the views. Each is one statement without a trailing semicolon and without the leading
    /// comment lines of its file: Athena tells DDL from queries by the statement's first word.
    /// </summary>
    public static IReadOnlyList<(string Name, string Sql)> Statements(string location, IReadOnlyCollection<string> accounts, string database)
    {
        var table = WithoutLeadingComments(Render(location, accounts)).TrimEnd().TrimEnd(';');
        var root = location.TrimEnd('/');
        var list = new List<(string, string)>
        {
            ("database", $"CREATE DATABASE IF NOT EXISTS {database}"),
            ("table", table),
            ("projection", $"ALTER TABLE tls_events SET TBLPROPERTIES ('projection.account_id.values' = '{AccountList(accounts)}', "
                + $"'storage.location.template' = '{root}/tls_events/event_date=${{event_date}}/account_id=${{account_id}}/')"),
        };
        list.AddRange(ViewNames.Select(v => ($"view {v}", WithoutLeadingComments(View(v)))));
        return list;
    }

    private static string WithoutLeadingComments(string sql) =>
        string.Join('\n', sql.Split('\n').SkipWhile(l => l.TrimStart().StartsWith("--", StringComparison.Ordinal) || l.Trim().Length == 0));

    private static string AccountList(IReadOnlyCollection<string> accounts) => string.Join(',', accounts.Distinct().Order(StringComparer.Ordinal));

    /// <summary>The machine-readable description of the table's Parquet schema.</summary>
    public static string ParquetSchema() => Read("tls_events.schema.json");

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name) ?? throw new InvalidOperationException($"missing resource {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }
}

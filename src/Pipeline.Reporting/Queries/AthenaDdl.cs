using System.Reflection;
using System.Text.RegularExpressions;

namespace Pipeline.Reporting.Queries;

/// <summary>
/// The Athena table over a lake in S3, from <c>schemas/athena/tls_events.sql</c>: partition projection on
/// <c>event_date</c> (a date range) and on <c>account_id</c> (an enum of the organization's accounts, or
/// <c>injected</c> when none are known, which makes every query name its accounts).
/// </summary>
public static partial class AthenaDdl
{
    [GeneratedRegex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^'\\\\]*)?$")]
    private static partial Regex S3Location();

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

        var ddl = Read("athena/tls_events.sql").Replace("${LOCATION}", location.TrimEnd('/'), StringComparison.Ordinal);
        if (accounts.Count == 0)
        {
            return ddl
                .Replace("  'projection.account_id.type' = 'enum',\n  'projection.account_id.values' = '${ACCOUNT_IDS}',\n", "  'projection.account_id.type' = 'injected',\n", StringComparison.Ordinal)
                .Replace("-- Partition projection:", "-- No account list was given: account_id is an injected projection, so queries must name their accounts.\n-- Partition projection:", StringComparison.Ordinal);
        }

        return ddl.Replace("${ACCOUNT_IDS}", string.Join(',', accounts.Order(StringComparer.Ordinal)), StringComparison.Ordinal);
    }

    /// <summary>The machine-readable description of the table's Parquet schema.</summary>
    public static string ParquetSchema() => Read("tls_events.schema.json");

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name) ?? throw new InvalidOperationException($"missing resource {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }
}

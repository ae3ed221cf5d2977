namespace Pipeline.Athena;

/// <summary>Where the report's queries and the table's DDL run on Athena.</summary>
public sealed class AthenaOptions
{
    /// <summary>The workgroup; its settings (result location, limits, engine version 3) apply.</summary>
    public string Workgroup { get; set; } = "primary";

    /// <summary>The Glue database holding <c>tls_events</c> and the views (<c>pipeline schema athena --apply</c> creates it).</summary>
    public string Database { get; set; } = "pipeline";

    /// <summary>s3:// folder for query results; null: the workgroup's own.</summary>
    public string? OutputLocation { get; set; }

    /// <summary>What Athena charges per TB scanned, for the cost estimates (USD 5 in most regions).</summary>
    public decimal UsdPerTerabyte { get; set; } = 5m;

    /// <summary>First wait between polls of a running query; it grows to <see cref="MaxPoll"/>.</summary>
    public TimeSpan FirstPoll { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between polls.</summary>
    public TimeSpan MaxPoll { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rows per GetQueryResults page (at most 1,000).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>Validates names before they reach SQL or the API.</summary>
    public void Validate()
    {
        if (!IsName(Database))
        {
            throw new ArgumentException($"--database '{Database}' is not an Athena database name (lower-case letters, digits and _, up to 255)");
        }

        if (Workgroup.Length is 0 or > 128 || !Workgroup.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException($"--workgroup '{Workgroup}' is not a workgroup name (letters, digits, '.', '_', '-', up to 128)");
        }

        if (OutputLocation is { } output && !output.StartsWith("s3://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"--output-location '{output}' is not an s3:// location");
        }

        if (UsdPerTerabyte < 0)
        {
            throw new ArgumentException("--usd-per-tb must be 0 or more");
        }
    }

    /// <summary>A database or table name Athena (Glue) accepts unquoted.</summary>
    public static bool IsName(string name) =>
        name.Length is > 0 and <= 255 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');
}

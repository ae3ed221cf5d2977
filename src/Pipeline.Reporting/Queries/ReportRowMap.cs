using System.Globalization;
using Pipeline.Reporting.Model;

namespace Pipeline.Reporting.Queries;

/// <summary>
/// The report queries' rows, as values by column position (null for SQL NULL), turned into the report's rows. Both
/// engines give values of their own .NET types (DuckDB: <see cref="DateOnly"/> or <see cref="DateTime"/> dates, lists;
/// Athena: values parsed by column type, JSON arrays as lists), so each accessor takes either.
/// </summary>
public static class ReportRowMap
{
    public static AccountWeek AccountWeek(object?[] r) =>
        new(Date(r[0]), Text(r[1]), Long(r[2]), Long(r[3]), Long(r[4]), Long(r[5]), Long(r[6]), UnrecognisedValues: List(r[7]));

    public static OffenderCalls Offender(object?[] r) =>
        new(Date(r[0]), Text(r[1]), Client(r, 2), r[4] is null ? "(none)" : Text(r[4]), Long(r[5]), Text(r[6]), Time(r[7]), Time(r[8]),
            new ClientSeen(Sorted(r[9]), Sorted(r[10]), Sorted(r[11]), Sorted(r[12]), Sorted(r[13]), Sorted(r[14])));

    public static FacetRow Facet(object?[] r) =>
        new(Date(r[0]), Text(r[1]), Client(r, 2), Text(r[4]), Text(r[5]), Long(r[6]), Long(r[7]));

    /// <summary>A row of <c>coverage.sql</c>: account_id, event_date (as text), records.</summary>
    public static CoverageDay Coverage(object?[] r) => new(Text(r[0]), Date(r[1]));

    private static Fingerprint Client(object?[] r, int i) => new(Fingerprint.ParseKind(Text(r[i])), Text(r[i + 1]));

    private static string Text(object? v) => v as string ?? throw new InvalidCastException($"expected text, got {v?.GetType().Name ?? "NULL"}");

    private static long Long(object? v) => v is null ? 0 : Convert.ToInt64(v, CultureInfo.InvariantCulture);

    private static DateOnly Date(object? v) => v switch
    {
        DateOnly d => d,
        DateTime dt => DateOnly.FromDateTime(dt),
        string s => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        null => throw new InvalidCastException("expected a date, got NULL"),
        _ => DateOnly.Parse(v.ToString()!, CultureInfo.InvariantCulture),
    };

    private static DateTime Time(object? v) => v switch
    {
        DateTimeOffset dto => dto.UtcDateTime,
        DateTime dt => DateTime.SpecifyKind(dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt, DateTimeKind.Utc),
        _ => throw new InvalidCastException($"expected a time, got {v?.GetType().Name ?? "NULL"}"),
    };

    /// <summary>A list column in ordinal order (array_agg gives no order).</summary>
    private static List<string> Sorted(object? v) => List(v).Order(StringComparer.Ordinal).ToList();

    private static List<string> List(object? v) =>
        v is null ? [] : ((System.Collections.IEnumerable)v).Cast<object?>().Where(x => x is not null).Select(x => x!.ToString()!).ToList();
}

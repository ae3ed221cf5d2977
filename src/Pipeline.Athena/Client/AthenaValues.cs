using System.Globalization;
using System.Text.Json;

namespace Pipeline.Athena.Client;

/// <summary>
/// Athena's result values, which arrive as text, parsed by their column's type: integers as <see cref="long"/>,
/// <c>date</c> as <see cref="DateOnly"/>, <c>timestamp</c> as a UTC <see cref="DateTime"/>, <c>json</c> arrays as lists.
/// An <c>array</c> column is refused: Athena writes it as <c>[a, b]</c>, which cannot be split back when a value holds
/// <c>", "</c>; queries cast lists to JSON instead.
/// </summary>
public static class AthenaValues
{
    private static readonly string[] TimestampFormats = ["yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];

    public static object?[] Parse(IReadOnlyList<ResultColumn> columns, string?[] row)
    {
        if (row.Length != columns.Count)
        {
            throw new FormatException($"a result row has {row.Length} values for {columns.Count} columns");
        }

        var values = new object?[row.Length];
        for (var i = 0; i < row.Length; i++)
        {
            values[i] = Parse(columns[i], row[i]);
        }

        return values;
    }

    public static object? Parse(ResultColumn column, string? text)
    {
        if (text is null)
        {
            return null;
        }

        var type = column.Type.ToLowerInvariant();
        var end = type.IndexOfAny(['(', ' ']);
        var bare = end < 0 ? type : type[..end];
        try
        {
            return bare switch
            {
                "varchar" or "char" or "string" => text,
                "tinyint" or "smallint" or "integer" or "int" or "bigint" => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                "double" or "float" or "real" => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                "decimal" => decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture),
                "boolean" => bool.Parse(text),
                "date" => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                "timestamp" when type.Contains("with time zone", StringComparison.Ordinal) => ZonedTime(text),
                "timestamp" => DateTime.ParseExact(text, TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                "json" => Json(text),
                "array" or "map" or "row" => throw new FormatException($"{column.Type} values come back as text that cannot be split exactly: CAST the column AS JSON"),
                _ => text,
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or JsonException)
        {
            throw new FormatException($"column {column.Name} ({column.Type}): cannot read '{Shorten(text)}': {e.Message}", e);
        }
    }

    /// <summary><c>2026-11-23 10:00:00.000 UTC</c> (a zone name or an offset after the time).</summary>
    private static DateTimeOffset ZonedTime(string text)
    {
        var space = text.LastIndexOf(' ');
        var zone = text[(space + 1)..];
        var local = DateTime.ParseExact(text[..space], TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.None);
        if (zone is "UTC" or "Z" or "GMT")
        {
            return new DateTimeOffset(local, TimeSpan.Zero);
        }

        return new DateTimeOffset(local, TimeSpan.Parse(zone.TrimStart('+'), CultureInfo.InvariantCulture) * (zone.StartsWith('-') ? -1 : 1));
    }

    /// <summary>A JSON value: an array as a list of its elements (strings as strings, other values as their JSON text).</summary>
    private static object? Json(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return Element(doc.RootElement);
    }

    private static object? Element(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Array => e.EnumerateArray().Select(Element).ToList(),
        _ => e.GetRawText(),
    };

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}

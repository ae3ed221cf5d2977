using DuckDB.NET.Data;

namespace Pipeline.Tests.Support;

/// <summary>Reads a lake back with a second Parquet implementation: DuckDB.</summary>
public static class LakeReader
{
    public static string Glob(string lake) => Path.Combine(lake, "tls_events", "*", "*", "*.parquet").Replace('\\', '/');

    public static string Source(string lake) => $"read_parquet('{Glob(lake)}', hive_partitioning = true, hive_types_autocast = false)";

    public static List<object?[]> Query(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using (var tz = connection.CreateCommand())
        {
            tz.CommandText = "SET TimeZone = 'UTC'";
            tz.ExecuteNonQuery();
        }

        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public static long Scalar(string sql) => Convert.ToInt64(Query(sql)[0][0], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Event IDs in the lake with how often each appears.</summary>
    public static Dictionary<string, long> EventIds(string lake) =>
        Directory.Exists(Path.Combine(lake, "tls_events"))
            ? LakeReader.Query($"SELECT event_id, count(*) FROM {LakeReader.Source(lake)} GROUP BY event_id")
                .ToDictionary(r => (string)r[0]!, r => Convert.ToInt64(r[1], System.Globalization.CultureInfo.InvariantCulture))
            : [];

    /// <summary>Asserts the lake holds exactly these events, each once.</summary>
    public static void AssertExactlyOnce(string lake, IReadOnlyCollection<string> expected)
    {
        var ids = EventIds(lake);
        var duplicates = ids.Where(kv => kv.Value > 1).Select(kv => kv.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, "duplicate rows for " + string.Join(", ", duplicates));
        var missing = expected.Where(e => !ids.ContainsKey(e)).Take(5).ToList();
        Assert.True(missing.Count == 0, $"{expected.Count(e => !ids.ContainsKey(e))} events missing, e.g. " + string.Join(", ", missing));
        Assert.Equal(expected.Count, ids.Count);
    }
}

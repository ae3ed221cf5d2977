using DuckDB.NET.Data;

namespace Pipeline.Tests.Support;

/// <summary>Reads a lake back with a second Parquet implementation: DuckDB.</summary>
internal static class LakeReader
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
}

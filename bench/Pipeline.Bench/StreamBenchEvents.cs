using System.Globalization;
using Pipeline.Demo;

/// <summary>The stream benchmarks' events: the demo organization as NDJSON files (the file path's input) and their lines.</summary>
internal static class StreamBenchEvents
{
    public static (string Folder, List<string> Lines) Load(int events, string work)
    {
        var ndjson = Path.Combine(work, $"kinesis-ndjson-{events}");
        if (!Directory.Exists(ndjson))
        {
            var accounts = 20;
            var days = Math.Max(1, events / (accounts * 2000));
            var truth = DemoArchiveWriter.Write(ndjson + ".tmp", new DemoShape(accounts, days, (int)Math.Ceiling(events / (double)(accounts * days)), new DateOnly(2026, 11, 22), Seed: 7, AwkwardCases: false, Format: DemoFormat.Ndjson));
            Directory.Move(ndjson + ".tmp", ndjson);
            Console.Error.WriteLine($"generated {truth.DistinctEvents:N0} events");
        }

        var lines = Directory.EnumerateFiles(ndjson, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines).Where(l => l.Length > 0).ToList();
        return (ndjson, lines);
    }

    /// <summary>Rows in a lake, counted by DuckDB.</summary>
    public static long LakeRows(string lake)
    {
        using var connection = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet('{lake.Replace("'", "''", StringComparison.Ordinal)}/**/*.parquet')";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}

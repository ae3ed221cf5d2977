using System.Diagnostics;
using System.Globalization;
using Pipeline.Demo;
using Pipeline.Reporting.Queries;
using Pipeline.Reporting.Weeks;

/// <summary>
/// The reducer at scale: a lake of N events over the last <c>days</c> days up to Sunday 2026-11-22 (14: two ISO
/// weeks; 7: all of them in the report week), gzip NDJSON ingested by pipeline, then <c>pipeline report</c> for
/// week 2026-W47 in a child process, and DuckDB's own time for the core query.
/// </summary>
internal static class ReportBench
{
    public static int Run(int events, int days, string work, string cli, Func<string, string[], Measurement> measure)
    {
        const int accounts = 200;
        var last = new DateOnly(2026, 11, 22);
        var week = IsoWeek.Of(last);
        var suffix = days == 14 ? "" : $"-{days}d";
        var archive = Path.Combine(work, $"report-ndjson-{events}{suffix}");
        var lake = Path.Combine(work, $"report-lake-{events}{suffix}");
        if (!Directory.Exists(lake))
        {
            if (!Directory.Exists(archive))
            {
                Console.Error.WriteLine($"generating {events:N0} events …");
                DemoArchiveWriter.Write(archive + ".tmp", new DemoShape(accounts, days, (int)Math.Ceiling(events / (double)(accounts * days)), last, Seed: 11, AwkwardCases: false, Format: DemoFormat.NdjsonGzip));
                Directory.Move(archive + ".tmp", archive);
            }

            Console.Error.WriteLine("ingesting …");
            measure("dotnet", [cli, "ingest", "--source", archive, "--lake", lake + ".tmp"]);
            Directory.Move(lake + ".tmp", lake);
        }

        var outDir = Path.Combine(work, "report-out");
        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, true);
        }

        var report = measure("dotnet", [cli, "report", "--lake", lake, "--week", week.ToString(), "--weeks-back", "1", "--out", outDir]);

        using var duck = new DuckDbLake(lake);
        var total = duck.Count("SELECT count(*) FROM tls_events");
        var sw = Stopwatch.StartNew();
        var rows = duck.AccountWeeks(new SqlParameters(week.AddWeeks(-1).Monday, week.Sunday, [])).Count;
        var duckSeconds = sw.Elapsed.TotalSeconds;

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; lake: {total:N0} events over {days} days to {last:yyyy-MM-dd}, {accounts} accounts; report week {week} with --weeks-back 1");
        Console.WriteLine("| what | wall s | CPU s | peak RSS MiB |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| pipeline report (2 queries, all outputs) | {report.Wall.TotalSeconds:F1} | {report.Cpu.TotalSeconds:F1} | {report.PeakRssMiB:F0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| DuckDB alone: core query (account_weeks, dedup + attribution, {rows} rows) | {duckSeconds:F1} | | |"));
        AthenaScan(lake, new SqlParameters(week.AddWeeks(-1).Monday, week.Sunday, []));
        return 0;
    }

    /// <summary>
    /// What the same report would scan on Athena, which bills the compressed bytes of the column chunks it reads: per
    /// query, the window's column chunks of every column the query names (partition columns cost nothing). An upper
    /// bound: Athena also skips row groups by their statistics (the offenders' legacy filter skips most of them).
    /// </summary>
    private static void AthenaScan(string lake, SqlParameters p)
    {
        var files = new List<string>();
        for (var day = p.From; day <= p.To; day = day.AddDays(1))
        {
            var dir = Path.Combine(lake, "tls_events", $"event_date={day:yyyy-MM-dd}");
            if (Directory.Exists(dir))
            {
                files.AddRange(Directory.EnumerateFiles(dir, "*.parquet", SearchOption.AllDirectories));
            }
        }

        using var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var cmd = duck.CreateCommand();
        var list = string.Join(", ", files.Select(f => $"'{f.Replace("'", "''", StringComparison.Ordinal)}'"));
        cmd.CommandText = $"SELECT path_in_schema, sum(total_compressed_size) FROM parquet_metadata([{list}]) GROUP BY 1";
        var columns = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                columns[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Athena, estimated: the window's {files.Count:N0} files, {files.Sum(f => new FileInfo(f).Length) / 1048576.0:N1} MiB; per query the column chunks it reads, billed at USD 5 per TB, 10 MB minimum"));
        Console.WriteLine("| query | columns read | MiB scanned (upper bound) | USD |");
        Console.WriteLine("|---|---:|---:|---:|");
        long all = 0;
        decimal cost = 0;
        foreach (var name in ReportSql.Names)
        {
            var sql = ReportSql.Compose(name, p);
            var read = columns.Where(c => System.Text.RegularExpressions.Regex.IsMatch(sql, $@"\b{c.Key}\b")).ToList();
            var bytes = read.Sum(c => c.Value);
            var usd = Pipeline.Athena.AthenaQueries.Cost(bytes, 5m);
            all += bytes;
            cost += usd;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {read.Count} | {bytes / 1048576.0:N1} | {usd:0.0000} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| the report | | {all / 1048576.0:N1} | {cost:0.0000} |"));
    }
}

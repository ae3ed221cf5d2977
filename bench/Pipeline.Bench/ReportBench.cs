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
        cmd.CommandText = $"SELECT path_in_schema, CAST(sum(total_compressed_size) AS BIGINT) FROM parquet_metadata([{list}]) GROUP BY 1";
        var columns = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                columns[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        // The columns each scan of the plan reads: DuckDB's plan of the same query (Athena prunes columns the same way).
        using (var view = duck.CreateCommand())
        {
            view.CommandText = $"CREATE VIEW tls_events AS SELECT * FROM read_parquet([{list}], hive_partitioning = true, hive_types_autocast = false)";
            view.ExecuteNonQuery();
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Athena, estimated: the window's {files.Count:N0} files, {files.Sum(f => new FileInfo(f).Length) / 1048576.0:N1} MiB; per query the column chunks its scans read, billed at USD 5 per TB, 10 MB minimum"));
        Console.WriteLine("| query | scans | columns read | MiB scanned (upper bound) | USD |");
        Console.WriteLine("|---|---:|---|---:|---:|");
        long all = 0;
        decimal cost = 0;
        foreach (var name in ReportSql.Names)
        {
            using var explain = duck.CreateCommand();
            explain.CommandText = "EXPLAIN (FORMAT json) " + ReportSql.ComposeForDuckDb(name, p);
            string plan;
            using (var reader = explain.ExecuteReader())
            {
                reader.Read();
                plan = reader.GetString(1);
            }

            var scans = new List<List<string>>();
            using (var doc = System.Text.Json.JsonDocument.Parse(plan))
            {
                Collect(doc.RootElement, scans);
            }

            var bytes = scans.Sum(scan => scan.Sum(c => columns.GetValueOrDefault(c)));
            var usd = Pipeline.Athena.AthenaQueries.Cost(bytes, 5m);
            all += bytes;
            cost += usd;
            var read = string.Join(" + ", scans.Select(scan => string.Join(", ", scan.Where(columns.ContainsKey))));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {scans.Count} | {read} | {bytes / 1048576.0:N1} | {usd:0.0000} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| the report | | | {all / 1048576.0:N1} | {cost:0.0000} |"));
    }

    /// <summary>Every Parquet scan in a DuckDB JSON plan, with the columns it projects.</summary>
    private static void Collect(System.Text.Json.JsonElement node, List<List<string>> scans)
    {
        if (node.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (var child in node.EnumerateArray())
            {
                Collect(child, scans);
            }

            return;
        }

        if (node.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return;
        }

        var name = node.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
        if ((name.Contains("PARQUET", StringComparison.Ordinal) || name.Contains("TABLE_SCAN", StringComparison.Ordinal))
            && node.TryGetProperty("extra_info", out var info) && info.TryGetProperty("Projections", out var projections))
        {
            scans.Add(projections.ValueKind == System.Text.Json.JsonValueKind.Array
                ? [.. projections.EnumerateArray().Select(p => p.GetString()!)]
                : [.. projections.GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
        }

        if (node.TryGetProperty("children", out var children))
        {
            Collect(children, scans);
        }
    }
}

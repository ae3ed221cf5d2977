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
        return 0;
    }
}

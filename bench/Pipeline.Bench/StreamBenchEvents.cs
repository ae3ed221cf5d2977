using System.Globalization;
using Pipeline.Demo;

/// <summary>The stream benchmarks' events: the demo organization as NDJSON files (the file path's input) and their lines.</summary>
internal static class StreamBenchEvents
{
    public static (string Folder, List<string> Lines) Load(int events, string work)
    {
        var ndjson = Path.Combine(work, $"stream-ndjson-{events}");
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

    /// <summary>One CloudTrail record as the EventBridge event a rule forwards: one per stream record or message.</summary>
    public static byte[] EventBridge(string record) => System.Text.Encoding.UTF8.GetBytes(
        "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.cloudtrail\",\"detail\":" + record + "}");

    /// <summary>
    /// Runs a stream benchmark once per count of shards or partitions (<c>--shards 4,16,64</c>) and, for more than
    /// one, ends with the stream ingests' peak RSS and CPU by count: what issue 12's one memory budget promises is
    /// that peak RSS does not grow with it. Returns the first non-zero exit code of a run, else 0.
    /// </summary>
    public static int Sweep(string unit, IReadOnlyList<int> counts, Func<int, Func<string, string[], Measurement>, int> run, Func<string, string[], Measurement> measure)
    {
        var rows = new List<(int Count, Measurement Stream)>();
        var code = 0;
        foreach (var count in counts)
        {
            Measurement? stream = null;
            var result = run(count, (file, args) =>
            {
                var m = measure(file, args);
                stream ??= m; // the stream ingest runs first, then the same events as files
                return m;
            });
            code = code != 0 ? code : result;
            if (stream is not null)
            {
                rows.Add((count, stream));
            }
        }

        if (rows.Count > 1)
        {
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"| {unit} | stream ingest peak RSS MiB | CPU s | wall s |");
            Console.WriteLine("|---:|---:|---:|---:|");
            foreach (var (count, m) in rows)
            {
                Console.WriteLine(string.Create(inv, $"| {count} | {m.PeakRssMiB:F0} | {m.Cpu.TotalSeconds:F1} | {m.Wall.TotalSeconds:F1} |"));
            }

            Console.WriteLine(string.Create(inv, $"peak RSS from {rows.Min(r => r.Stream.PeakRssMiB):F0} to {rows.Max(r => r.Stream.PeakRssMiB):F0} MiB over {rows.Min(r => r.Count)}–{rows.Max(r => r.Count)} {unit}"));
        }

        return code;
    }

    /// <summary>
    /// Ingests the stream (then the same events as files) in child processes, prints both rows of the table and the
    /// per-CPU-second ratio, and returns 1 when the two lakes' row counts differ.
    /// </summary>
    public static int Compare(StreamRun run, Func<string, string[], Measurement> measure)
    {
        const double idle = 2;
        var inv = CultureInfo.InvariantCulture;
        var lake = Path.Combine(run.Work, $"lake-{run.Name}");
        var fileLake = Path.Combine(run.Work, $"lake-{run.Name}-files");
        foreach (var d in new[] { lake, fileLake })
        {
            if (Directory.Exists(d))
            {
                Directory.Delete(d, true);
            }
        }

        var budget = run.BudgetMiB.ToString(inv);
        var stream = measure("dotnet", [run.Cli, "ingest", "--source", run.Source, "--lake", lake, "--until-idle", idle.ToString(inv), "--memory-budget-mib", budget]);
        var files = measure("dotnet", [run.Cli, "ingest", "--source", run.Folder, "--lake", fileLake, "--memory-budget-mib", budget]);
        var streamRows = FormsBench.CountRows(lake);
        var fileRows = FormsBench.CountRows(fileLake);
        var wall = stream.Wall.TotalSeconds - idle;
        var events = run.Events;
        Console.WriteLine(string.Create(inv, $"machine: {Environment.ProcessorCount} cores; {events:N0} events, {run.Units} {run.Unit}s, {run.Form}, {run.PayloadBytes / 1e6:F0} MB of CloudTrail JSON; memory budget {run.BudgetMiB} MiB"));
        Console.WriteLine($"| source | rows | wall s | records/s | MB/s | records/s per {run.Unit} | CPU s | CPU s / M events | records/s per CPU s | peak RSS MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(inv, $"| {run.Name} ({run.Server}, {run.Units} {run.Unit}s; wall without the {idle:F0} s idle wait) | {streamRows:N0} | {wall:F1} | {events / wall:N0} | {run.PayloadBytes / 1e6 / wall:F1} | {events / wall / run.Units:N0} | {stream.Cpu.TotalSeconds:F1} | {stream.Cpu.TotalSeconds / (events / 1e6):F1} | {events / stream.Cpu.TotalSeconds:N0} | {stream.PeakRssMiB:F0} |"));
        Console.WriteLine(string.Create(inv, $"| files (same events as NDJSON) | {fileRows:N0} | {files.Wall.TotalSeconds:F1} | {events / files.Wall.TotalSeconds:N0} | {run.PayloadBytes / 1e6 / files.Wall.TotalSeconds:F1} | | {files.Cpu.TotalSeconds:F1} | {files.Cpu.TotalSeconds / (events / 1e6):F1} | {events / files.Cpu.TotalSeconds:N0} | {files.PeakRssMiB:F0} |"));
        Console.WriteLine(string.Create(inv, $"stream / file events per CPU second: {files.Cpu.TotalSeconds / stream.Cpu.TotalSeconds:F2}"));
        if (streamRows != fileRows)
        {
            Console.Error.WriteLine($"row counts differ: {run.Name} {streamRows:N0}, files {fileRows:N0}");
            return 1;
        }

        return 0;
    }
}

/// <summary>One stream benchmark run: what is read, from where, and the same events as files.</summary>
internal sealed record StreamRun(string Name, string Server, string Unit, int Units, string Form, string Source, string Folder, int Events, long PayloadBytes, int BudgetMiB, string Work, string Cli);

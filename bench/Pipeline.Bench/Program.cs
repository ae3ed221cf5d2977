using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DuckDB.NET.Data;
using Pipeline.Demo;

// Benchmark: pipeline ingest vs DuckDB doing the same projection and partitioned COPY, on the same data,
// each in a child process so CPU seconds and peak RSS are the job's own.
if (args.Length > 0 && args[0] == "duckdb")
{
    return DuckDbJob.Run(args[1], args[2], args[3]);
}

if (args.Length > 0 && args[0] == "writers")
{
    // Parquet writer head-to-head on one decoded table: writers NDJSON_DIR WORK_DIR
    return WriterBench.Run(args[1], args[2]);
}

var events = Arg("--events", 1_000_000);
var work = Path.GetFullPath(ArgText("--out", Path.Combine(Path.GetTempPath(), "pipeline-bench")));
var repo = FindRepo();
var cli = Path.Combine(repo, "src", "Pipeline.Cli", "bin", "Release", "net10.0", "pipeline.dll");
Run("dotnet", ["build", Path.Combine(repo, "src", "Pipeline.Cli"), "-c", "Release", "-v", "q", "-nologo"]);
if (args.Contains("--ready-to-run"))
{
    // The CLI as the image ships it (Dockerfile): published ReadyToRun, its own obj/ and bin/ so the repo's build is untouched.
    var published = Path.Combine(work, "cli-ready-to-run");
    var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64";
    Run("dotnet", ["publish", Path.Combine(repo, "src", "Pipeline.Cli"), "-c", "Release", "-a", arch, "--self-contained", "false", "-p:PublishReadyToRun=true",
        "--artifacts-path", Path.Combine(work, "cli-ready-to-run-build"), "-o", published, "-v", "q", "-nologo"]);
    cli = Path.Combine(published, "pipeline.dll");
}

if (args.Contains("--kinesis"))
{
    // Stream benchmark: --kinesis [--events 200000] [--shards 4[,16,64]] [--budget 192] (peak RSS stays near the budget at any shard count)
    return StreamBenchEvents.Sweep("shards", Counts(ArgText("--shards", "4")), (n, measure) => KinesisBench.Run(Arg("--events", 200_000), n, Arg("--budget", 192), work, cli, measure), Measure);
}

if (args.Contains("--kafka"))
{
    // Stream benchmark: --kafka [--events 200000] [--partitions 16[,64]] [--budget 192] [--kafka-settings K=V&…] (librdkafka's mock cluster in this process)
    return StreamBenchEvents.Sweep("partitions", Counts(ArgText("--partitions", "16")), (n, measure) => KafkaBench.Run(Arg("--events", 200_000), n, Arg("--budget", 192), ArgText("--kafka-settings", string.Empty), work, cli, measure), Measure);
}

if (args.Contains("--small-files"))
{
    // What a Parquet file costs beyond its rows: --small-files [--files 2000] [--rows 133] [--rounds 3]
    return SmallFilesBench.Run(Arg("--files", 2000), Arg("--rows", 133), work, Arg("--rounds", 3));
}

if (args.Contains("--memory"))
{
    // Peak RSS by budget on huge values, a gzip bomb and 100k partitions: --memory
    return MemoryBench.Run(work, cli, Measure);
}

if (args.Contains("--decode-parts"))
{
    return DecodeParts.Run(Arg("--events", 1_000_000), work);
}

if (args.Contains("--decode"))
{
    // Decoding alone, in process, per delivered form: --decode [--events 1000000] [--rounds 5] (after --forms)
    return DecodeBench.Run(Arg("--events", 1_000_000), work, Arg("--rounds", 5));
}

if (args.Contains("--forms"))
{
    // Delivered forms: --forms [--events 1000000] [--rounds 1] (Firehose objects vs NDJSON, the same events; best of N rounds)
    return FormsBench.Run(Arg("--events", 1_000_000), work, cli, Measure, Arg("--rounds", 1));
}

if (args.Contains("--report-limits"))
{
    // The report on the worst offenders: --report-limits [--calls 10000000] (one client's calls in the first case)
    return ReportLimitsBench.Run(Arg("--calls", 10_000_000), work, cli, Measure);
}

if (args.Contains("--report"))
{
    // Reducer benchmark: --report [--events 10000000] [--days 14] (the lake's last days up to the report week's Sunday)
    return ReportBench.Run(Arg("--events", 10_000_000), Arg("--days", 14), work, cli, Measure);
}

var accounts = Arg("--accounts", 50);
var days = Math.Max(1, events / (accounts * 2000));
var perDay = (int)Math.Ceiling(events / (double)(accounts * days));
var last = new DateOnly(2026, 11, 22);
var inputs = new List<(string Name, string Dir, DemoFormat Format)>
{
    ("S3 log files (gzip)", Path.Combine(work, $"s3-{events}-{accounts}"), DemoFormat.S3LogFiles),
    ("NDJSON (gzip)", Path.Combine(work, $"ndjson-{events}-{accounts}"), DemoFormat.NdjsonGzip),
};
foreach (var (name, dir, format) in inputs)
{
    if (!Directory.Exists(dir))
    {
        Console.Error.WriteLine($"generating {name}: {accounts} accounts × {days} days × {perDay} events …");
        var truth = DemoArchiveWriter.Write(dir + ".tmp", new DemoShape(accounts, days, perDay, last, Seed: 7, AwkwardCases: false, Format: format));
        Directory.Move(dir + ".tmp", dir);
        Console.Error.WriteLine($"  {truth.DistinctEvents:N0} events, {truth.Files:N0} files");
    }
}

// One large NDJSON file: the same events as the gzip NDJSON, inflated and concatenated (the shape DuckDB splits).
var one = Path.Combine(work, $"one-{events}-{accounts}");
if (!Directory.Exists(one))
{
    Directory.CreateDirectory(one + ".tmp");
    using (var output = File.Create(Path.Combine(one + ".tmp", "events.ndjson")))
    {
        foreach (var f in Directory.EnumerateFiles(inputs[1].Dir, "*.ndjson.gz", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead(f), System.IO.Compression.CompressionMode.Decompress);
            gz.CopyTo(output);
        }
    }

    Directory.Move(one + ".tmp", one);
}

if (args.Contains("--stages"))
{
    // Where one core's time goes, stage by stage, beside the parse floor: --stages [--events N] [--rounds 3]
    return StagesBench.Run(inputs[1].Dir, work, Arg("--rounds", 3));
}

// The same large file gzip-compressed: one input that cannot be split by range (inflated ahead of the parser instead).
var oneGzip = Path.Combine(work, $"one-gzip-{events}-{accounts}");
if (!Directory.Exists(oneGzip))
{
    Directory.CreateDirectory(oneGzip + ".tmp");
    using (var input = File.OpenRead(Path.Combine(one, "events.ndjson")))
    using (var gz = new System.IO.Compression.GZipStream(File.Create(Path.Combine(oneGzip + ".tmp", "events.ndjson.gz")), System.IO.Compression.CompressionLevel.Fastest))
    {
        input.CopyTo(gz);
    }

    Directory.Move(oneGzip + ".tmp", oneGzip);
}

inputs.Add(("one NDJSON file", one, DemoFormat.Ndjson));
inputs.Add(("one gzip NDJSON file", oneGzip, DemoFormat.NdjsonGzip));
var wrongRows = new List<string>();
var results = new List<string>
{
    "| input | engine | events | wall s | events/s | input MB/s | CPU s | CPU s / M events | peak RSS MiB |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
};
foreach (var (name, dir, format) in inputs)
{
    var inputBytes = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    var lake = Path.Combine(work, "lake-" + Path.GetFileName(dir));
    var duckOut = Path.Combine(work, "duck-" + Path.GetFileName(dir));
    foreach (var d in new[] { lake, duckOut })
    {
        if (Directory.Exists(d))
        {
            Directory.Delete(d, true);
        }
    }

    // Both engines start with the input in the page cache: the one that ran first would otherwise read the 1.15 GB
    // file from disk and leave it cached for the other.
    WarmPageCache(dir);
    var ours = Measure("dotnet", [cli, "ingest", "--source", dir, "--lake", lake]);
    var ourRows = CountRows(Path.Combine(lake, "tls_events", "*", "*", "*.parquet"));
    var duck = Measure("dotnet", [typeof(DuckDbJob).Assembly.Location, "duckdb", format switch { DemoFormat.S3LogFiles => "s3", DemoFormat.Ndjson => "plain", _ => "ndjson" }, dir, duckOut]);
    var duckRows = CountRows(Path.Combine(duckOut, "*", "*", "*.parquet"));
    if (ourRows != duckRows)
    {
        wrongRows.Add($"{name}: pipeline wrote {ourRows:N0} rows, DuckDB {duckRows:N0}");
    }

    results.Add(Row(name, "pipeline ingest", ourRows, ours, inputBytes));
    results.Add(Row(name, "DuckDB COPY", duckRows, duck, inputBytes));
    results.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | ratio (pipeline / DuckDB throughput) | | | **{duck.Wall.TotalSeconds / ours.Wall.TotalSeconds:F2}×** | | CPU {ours.Cpu.TotalSeconds / duck.Cpu.TotalSeconds:F2}× | | RSS {ours.PeakRssMiB / Math.Max(1, duck.PeakRssMiB):F2}× |"));
}

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
foreach (var line in results)
{
    Console.WriteLine(line);
}

foreach (var wrong in wrongRows)
{
    Console.Error.WriteLine("wrong row count: " + wrong);
}

return wrongRows.Count == 0 ? 0 : 1;

static string Row(string input, string engine, long rows, Measurement m, long inputBytes) => string.Create(CultureInfo.InvariantCulture,
    $"| {input} | {engine} | {rows:N0} | {m.Wall.TotalSeconds:F1} | {rows / m.Wall.TotalSeconds:N0} | {inputBytes / 1e6 / m.Wall.TotalSeconds:F1} | {m.Cpu.TotalSeconds:F1} | {m.Cpu.TotalSeconds / (rows / 1e6):F1} | {m.PeakRssMiB:F0} |");

static void WarmPageCache(string dir)
{
    var buffer = new byte[1 << 20];
    foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
    {
        using var stream = File.OpenRead(file);
        while (stream.Read(buffer) > 0)
        {
        }
    }
}

static long CountRows(string glob)
{
    using var c = new DuckDBConnection("DataSource=:memory:");
    c.Open();
    using var cmd = c.CreateCommand();
    cmd.CommandText = $"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = false)";
    return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
}

static Measurement Measure(string file, string[] arguments)
{
    var before = ChildCpu();
    var sw = Stopwatch.StartNew();
    var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
    foreach (var a in arguments)
    {
        psi.ArgumentList.Add(a);
    }

    using var p = Process.Start(psi)!;
    var err = p.StandardError.ReadToEndAsync();
    var outp = p.StandardOutput.ReadToEndAsync();
    double peak = 0;
    while (!p.WaitForExit(50))
    {
        peak = Math.Max(peak, PeakRss(p.Id));
    }

    sw.Stop();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"{string.Join(' ', arguments)} failed: {err.Result}{outp.Result}");
    }

    return new Measurement(sw.Elapsed, ChildCpu() - before, peak);
}

static double PeakRss(int pid)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
    catch (IOException)
    {
        return 0;
    }
}

static TimeSpan ChildCpu()
{
    var usage = new long[18];
    _ = Native.getrusage(-1, usage);
    return TimeSpan.FromSeconds(usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6));
}

static void Run(string file, string[] arguments)
{
    var psi = new ProcessStartInfo(file);
    foreach (var a in arguments)
    {
        psi.ArgumentList.Add(a);
    }

    using var p = Process.Start(psi)!;
    p.WaitForExit();
}

static string FindRepo()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "Pipeline.sln")))
        {
            return d.FullName;
        }
    }

    throw new InvalidOperationException("run from inside the repository");
}

int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

int[] Counts(string list) => [.. list.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))];

string ArgText(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 ? args[i + 1] : fallback;

internal sealed record Measurement(TimeSpan Wall, TimeSpan Cpu, double PeakRssMiB);

internal static partial class Native
{
    [LibraryImport("libc", EntryPoint = "getrusage")]
    internal static partial int getrusage(int who, [Out] long[] usage);
}

/// <summary>DuckDB doing what <c>pipeline ingest</c> does: read, project to the tls_events columns, partitioned COPY.</summary>
internal static class DuckDbJob
{
    private const string Fields = "eventTime VARCHAR, eventID VARCHAR, awsRegion VARCHAR, eventSource VARCHAR, eventName VARCHAR, userAgent VARCHAR, sourceIPAddress VARCHAR, errorCode VARCHAR, eventType VARCHAR, eventCategory VARCHAR, vpcEndpointId VARCHAR, recipientAccountId VARCHAR, userIdentity STRUCT(type VARCHAR, arn VARCHAR, accountId VARCHAR, accessKeyId VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))), tlsDetails STRUCT(tlsVersion VARCHAR, cipherSuite VARCHAR, clientProvidedHostHeader VARCHAR)";

    private const string Projection = """
        CAST(r.eventTime AS TIMESTAMPTZ) AS event_time, r.eventID AS event_id, r.awsRegion AS region, r.eventSource AS event_source,
        r.eventName AS event_name, r.tlsDetails.tlsVersion AS tls_version, r.tlsDetails.cipherSuite AS cipher_suite,
        r.tlsDetails.clientProvidedHostHeader AS client_host, r.userAgent AS user_agent, r.sourceIPAddress AS source_ip,
        r.userIdentity.type AS principal_type, r.userIdentity.arn AS principal_arn, r.userIdentity.accountId AS caller_account_id,
        r.userIdentity.accessKeyId AS access_key_id, r.vpcEndpointId AS vpc_endpoint_id, r.errorCode AS error_code,
        r.userIdentity.sessionContext.sessionIssuer.arn AS session_issuer_arn, r.eventType AS event_type, r.eventCategory AS event_category,
        CAST(CAST(r.eventTime AS TIMESTAMPTZ) AS DATE) AS event_date, r.recipientAccountId AS account_id
        """;

    public static int Run(string format, string input, string output)
    {
        using var c = new DuckDBConnection("DataSource=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        var glob = format switch
        {
            "s3" => $"{input}/AWSLogs/**/*.json.gz",
            "plain" => $"{input}/*.ndjson",
            _ => $"{input}/**/*.ndjson.gz",
        };
        var from = format == "s3"
            ? $"(SELECT unnest(Records) AS r FROM read_json('{glob}', format = 'auto', columns = {{Records: 'STRUCT({Fields})[]'}}, maximum_object_size = 536870912))"
            : $"(SELECT j AS r FROM read_json('{glob}', format = 'newline_delimited', columns = {{{string.Join(", ", SplitTop(Fields).Select(f => $"{f.Name}: '{f.Type}'"))}}}) AS j)";
        // DuckDB's best formulation for a large export: explicit columns, insertion order not kept, every core.
        cmd.CommandText = $"SET TimeZone = 'UTC'; SET preserve_insertion_order = false; SET threads = {Environment.ProcessorCount}; COPY (SELECT {Projection} FROM {from}) TO '{output}' (FORMAT parquet, PARTITION_BY (event_date, account_id), COMPRESSION snappy)";
        cmd.ExecuteNonQuery();
        return 0;
    }

    private static IEnumerable<(string Name, string Type)> SplitTop(string fields)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= fields.Length; i++)
        {
            if (i == fields.Length || (fields[i] == ',' && depth == 0))
            {
                var part = fields[start..i].Trim();
                var space = part.IndexOf(' ', StringComparison.Ordinal);
                yield return (part[..space], part[(space + 1)..]);
                start = i + 1;
            }
            else if (fields[i] == '(')
            {
                depth++;
            }
            else if (fields[i] == ')')
            {
                depth--;
            }
        }
    }
}

using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

/// <summary>
/// The report on the worst offenders (issue: "the report runs out of memory on precisely the worst offenders"):
/// one client with millions of TLSv1 calls of one event name, tens of thousands of clients with 2 KB user agents,
/// and user agents of 1 MB. Each case is gzip NDJSON ingested by pipeline, then <c>pipeline report</c> in a child
/// process; the table gives its time, peak RSS and the sizes of what it wrote.
/// </summary>
internal static class ReportLimitsBench
{
    private const string JavaSeven = "aws-sdk-java/1.11.0 Linux/3.10 Java_HotSpot(TM)_64-Bit_Server_VM/24.80-b11 java/1.7.0_80 vendor/Oracle_Corporation (xxxxxxxxx)";

    public static int Run(int calls, string work, string cli, Func<string, string[], Measurement> measure)
    {
        // A client is a workload (a role), so the many-clients case has 61,000 roles; each role's sessions are its own.
        var cases = new (string Name, long Calls, Func<long, string> Agent, Func<long, string> Role)[]
        {
            ($"one client, {calls:N0} calls of one event name, 100-byte user agent", calls, _ => JavaSeven, _ => "batch"),
            ("one client, 50,000 calls, 2 KB user agent", 50_000, _ => "aws-sdk-java/1.7.0 " + new string('w', 2048), _ => "batch"),
            ("one client, 40 calls, 1 MB user agents", 40, _ => "aws-sdk-java/1.7.0 " + new string('z', 1 << 20), _ => "batch"),
            ("61,000 clients × 5 calls, 2 KB user agents", 305_000, i => $"aws-sdk-java/1.11.{i % 61_000} " + new string('y', 2000), i => $"batch-{i % 61_000}"),
        };
        Console.WriteLine("| case | ingest s | report s | report CPU s | report peak RSS MiB | tickets.json KiB | longest description | largest output MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var n = 0;
        foreach (var (name, count, agent, role) in cases)
        {
            var dir = Path.Combine(work, $"report-limits-{++n}-{count}");
            var input = Path.Combine(dir, "in");
            var lake = Path.Combine(dir, "lake");
            if (!Directory.Exists(lake))
            {
                Directory.CreateDirectory(input);
                Console.Error.WriteLine($"generating {name} …");
                Write(Path.Combine(input, "calls.ndjson.gz"), count, agent, role);
                Console.Error.WriteLine("ingesting …");
            }

            var ingest = Directory.Exists(lake) ? null : measure("dotnet", [cli, "ingest", "--source", input, "--lake", lake]);
            var outDir = Path.Combine(dir, "out");
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, true);
            }

            var report = measure("dotnet", [cli, "report", "--lake", lake, "--week", "2026-W47", "--out", outDir]);
            var week = Path.Combine(outDir, "2026-W47");
            using var tickets = JsonDocument.Parse(File.ReadAllText(Path.Combine(week, "tickets.json")));
            var longest = tickets.RootElement.EnumerateArray().Max(t => t.GetProperty("description").GetString()!.Length);
            var largest = Directory.EnumerateFiles(week, "*", SearchOption.AllDirectories).Max(f => new FileInfo(f).Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {(ingest is null ? "(kept)" : ingest.Wall.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture))} | {report.Wall.TotalSeconds:F1} | {report.Cpu.TotalSeconds:F1} | {report.PeakRssMiB:F0} | {new FileInfo(Path.Combine(week, "tickets.json")).Length / 1024.0:F0} | {longest:N0} | {largest / 1048576.0:F1} |"));
        }

        return 0;
    }

    /// <summary>TLSv1 calls of assumed roles (one session each) from one address in week 2026-W47, event IDs like UUIDs, one in 400 delivered twice.</summary>
    private static void Write(string path, long count, Func<long, string> agent, Func<long, string> role)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new StreamWriter(gzip, new UTF8Encoding(false), 1 << 20);
        var monday = new DateTime(2026, 11, 16, 0, 0, 0, DateTimeKind.Utc);
        for (long i = 0; i < count; i++)
        {
            var line = Line(i, monday.AddTicks(i * (TimeSpan.TicksPerDay * 7 / count)), agent(i), role(i));
            writer.Write(line);
            writer.Write('\n');
            if (i % 400 == 0)
            {
                writer.Write(line);
                writer.Write('\n');
            }
        }
    }

    private static string Line(long i, DateTime time, string agent, string role) =>
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/" + role + "/i-0abc\",\"accountId\":\"123456789012\","
        + "\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"arn\":\"arn:aws:iam::123456789012:role/" + role + "\",\"accountId\":\"123456789012\",\"userName\":\"" + role + "\"}}},\"eventTime\":\""
        + time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
        + "\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"10.0.0.1\",\"userAgent\":"
        + JsonSerializer.Serialize(agent)
        + ",\"eventID\":\"" + string.Create(CultureInfo.InvariantCulture, $"{i:x8}-5d1c-4b7e-8f2a-{i * 7919 % 1_000_000_000_000:x12}")
        + "\",\"recipientAccountId\":\"123456789012\",\"tlsDetails\":{\"tlsVersion\":\"TLSv1\",\"cipherSuite\":\"ECDHE-RSA-AES128-SHA\",\"clientProvidedHostHeader\":\"s3.amazonaws.com\"}}";
}

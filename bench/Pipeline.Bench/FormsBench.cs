using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Pipeline.Demo;

/// <summary>
/// Delivered-forms benchmark: the same events as NDJSON and as the Firehose objects organizations land (EventBridge
/// events back to back with no delimiter; CloudWatch Logs gzip payloads concatenated as members), plain and gzip,
/// each ingested by the CLI in a child process. Prints events/s of each beside NDJSON's and exits non-zero only when a
/// form lands a different number of rows. With <c>--rounds N</c> the forms are ingested in turn N times and each
/// form's best wall time (and best CPU time) is kept: the VM's speed drifts by ±20 % within a minute, which one
/// run of each cannot tell from a difference between forms.
/// </summary>
internal static class FormsBench
{
    public static int Run(int events, string work, string cli, Func<string, string[], Measurement> measure, int rounds = 1)
    {
        var ndjson = Path.Combine(work, $"forms-ndjson-{events}");
        if (!Directory.Exists(ndjson))
        {
            const int accounts = 20;
            var days = Math.Max(1, events / (accounts * 2000));
            DemoArchiveWriter.Write(ndjson + ".tmp", new DemoShape(accounts, days, (int)Math.Ceiling(events / (double)(accounts * days)), new DateOnly(2026, 11, 22), Seed: 7, AwkwardCases: false, Format: DemoFormat.Ndjson));
            Directory.Move(ndjson + ".tmp", ndjson);
        }

        var files = Directory.EnumerateFiles(ndjson, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var forms = new List<(string Name, string Dir, Func<string[], byte[]> Make)>
        {
            ("NDJSON", ndjson, null!),
            ("NDJSON gzip", Path.Combine(work, $"forms-ndjson-gz-{events}"), lines => Gzip(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"))),
            ("Firehose EventBridge, no delimiter", Path.Combine(work, $"forms-eb-{events}"), lines => Encoding.UTF8.GetBytes(string.Concat(lines.Select(EventBridge)))),
            ("Firehose EventBridge, gzip", Path.Combine(work, $"forms-eb-gz-{events}"), lines => Gzip(Encoding.UTF8.GetBytes(string.Concat(lines.Select(EventBridge))))),
            ("Firehose CloudWatch Logs (gzip members)", Path.Combine(work, $"forms-cwl-{events}"), lines => [.. lines.Chunk(50).SelectMany(c => Gzip(CloudWatchLogs(c)))]),
        };
        foreach (var (_, dir, make) in forms.Skip(1))
        {
            if (Directory.Exists(dir))
            {
                continue;
            }

            Directory.CreateDirectory(dir + ".tmp");
            foreach (var (file, i) in files.Select((f, i) => (f, i)))
            {
                File.WriteAllBytes(Path.Combine(dir + ".tmp", $"object-{i:D5}"), make([.. File.ReadLines(file).Where(l => l.Length > 0)]));
            }

            Directory.Move(dir + ".tmp", dir);
        }

        var rows = new List<string>
        {
            rounds > 1 ? $"best of {rounds} rounds (forms in turn):" : "one run of each form:",
            "| input | MB on disk | events | wall s | events/s | vs NDJSON (same compression) | CPU s | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        };
        long expected = -1;
        var plain = 0.0;
        var gzip = 0.0;
        var wrong = false;
        var best = new Measurement?[forms.Count];
        var counts = new long[forms.Count];
        for (var round = 0; round < Math.Max(1, rounds); round++)
        {
            foreach (var ((_, dir, _), i) in forms.Select((f, i) => (f, i)))
            {
                var lake = Path.Combine(work, "forms-lake");
                if (Directory.Exists(lake))
                {
                    Directory.Delete(lake, true);
                }

                var m = measure("dotnet", [cli, "ingest", "--source", dir, "--lake", lake]);
                counts[i] = CountRows(lake);
                expected = expected < 0 ? counts[i] : expected;
                wrong |= counts[i] != expected;
                best[i] = best[i] is { } b ? new Measurement(b.Wall < m.Wall ? b.Wall : m.Wall, b.Cpu < m.Cpu ? b.Cpu : m.Cpu, Math.Max(b.PeakRssMiB, m.PeakRssMiB)) : m;
            }
        }

        foreach (var ((name, dir, _), i) in forms.Select((f, i) => (f, i)))
        {
            var m = best[i]!;
            var count = counts[i];
            var rate = count / m.Wall.TotalSeconds;
            var compressed = name.Contains("gzip", StringComparison.Ordinal) || name.Contains("CloudWatch", StringComparison.Ordinal);
            if (name == "NDJSON")
            {
                plain = rate;
            }
            else if (name == "NDJSON gzip")
            {
                gzip = rate;
            }

            var baseline = compressed ? gzip : plain;
            var mb = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1e6;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {mb:F1} | {count:N0} | {m.Wall.TotalSeconds:F2} | {rate:N0} | {(baseline > 0 ? rate / baseline : 1):F2}× | {m.Cpu.TotalSeconds:F1} | {m.PeakRssMiB:F0} |"));
        }

        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }

        if (wrong)
        {
            Console.Error.WriteLine("a form landed a different number of rows than NDJSON");
            return 1;
        }

        return 0;
    }

    /// <summary>Rows in a lake's tls_events, read by DuckDB.</summary>
    internal static long CountRows(string lake)
    {
        using var connection = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet('{Path.Combine(lake, "tls_events", "*", "*", "*.parquet").Replace('\\', '/')}')";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static string EventBridge(string record)
    {
        var timeAt = record.IndexOf("\"eventTime\":\"", StringComparison.Ordinal) + 13;
        var time = record.Substring(timeAt, 20);
        return "{\"version\":\"0\",\"id\":\"6a7e8feb-b491-4cf7-a9f1-bf3703467718\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.s3\",\"account\":\"123456789012\",\"time\":\""
            + time + "\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":" + record + "}";
    }

    // CloudWatch Logs escapes a message's quotes as \" (see the corpus's real payloads), not as \u0022.
    private static readonly JsonSerializerOptions AsCloudWatchWrites = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static byte[] CloudWatchLogs(string[] records) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        messageType = "DATA_MESSAGE",
        owner = "123456789012",
        logGroup = "aws-cloudtrail-logs",
        logStream = "123456789012_CloudTrail_us-east-1",
        subscriptionFilters = new[] { "to-firehose" },
        logEvents = records.Select((r, i) => new { id = i.ToString(CultureInfo.InvariantCulture), timestamp = 1, message = r }),
    }, AsCloudWatchWrites);

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }
}

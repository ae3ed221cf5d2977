using System.Diagnostics;
using System.Globalization;
using Pipeline.Decoding;
using Pipeline.Projection;

/// <summary>
/// Decoding alone, in process: each delivered form of the forms benchmark's objects read from memory by one
/// <see cref="RecordDecoder"/> into a sink that only counts, so the figure is the decoder's own cost per event.
/// Run <c>--forms</c> first (it writes the objects); after the main benchmark at 1M events its S3 log files and
/// per-account-day NDJSON are decoded too, whole.
/// </summary>
internal static class DecodeBench
{
    public static int Run(int events, string work, int rounds)
    {
        var forms = new[] { ("NDJSON", $"forms-ndjson-{events}"), ("NDJSON gzip", $"forms-ndjson-gz-{events}"), ("Firehose EventBridge, gzip", $"forms-eb-gz-{events}"), ("Firehose CloudWatch Logs (gzip members)", $"forms-cwl-{events}"), ("gzip NDJSON, a file per account-day (main benchmark)", "ndjson-1000000-50"), ("S3 log files (main benchmark)", "s3-1000000-50") };
        Console.WriteLine("| input | events | decode CPU µs / event (best of rounds) | vs NDJSON gzip |");
        Console.WriteLine("|---|---:|---:|---:|");
        double gzip = 0;
        foreach (var (name, dirName) in forms)
        {
            var dir = Path.Combine(work, dirName);
            var main = !dirName.StartsWith("forms", StringComparison.Ordinal);
            if (main && !Directory.Exists(dir))
            {
                // The main benchmark's inputs, all of them: there only after a run of it with --events 1000000.
                continue;
            }

            if (!Directory.Exists(dir))
            {
                Console.Error.WriteLine($"{dir} is missing: run --forms --events {events} first");
                return 2;
            }

            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(main ? int.MaxValue : 200).Select(File.ReadAllBytes).ToList();
            var best = double.MaxValue;
            long count = 0;
            for (var round = 0; round < rounds; round++)
            {
                var sink = new CountingSink();
                var decoder = new RecordDecoder();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                foreach (var bytes in files)
                {
                    decoder.Decode(new MemoryStream(bytes, writable: false), new InputContext("bench"), sink);
                }

                var perEvent = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Math.Max(1, sink.Rows);
                best = Math.Min(best, perEvent);
                count = sink.Rows;
            }

            gzip = name == "NDJSON gzip" ? best : gzip;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {count:N0} | {best:F2} | {(gzip == 0 ? "" : (gzip / best).ToString("F2", CultureInfo.InvariantCulture) + "×")} |"));
        }

        return 0;
    }

    private sealed class CountingSink : IRecordSink
    {
        public long Rows { get; private set; }

        public void Accept(ProjectedRow row, in RowKey key) => Rows++;

        public void Reject(string input, in RecordPosition position, RejectReason reason, string? detail)
        {
        }

        public void Skip(SkipKind kind)
        {
        }
    }
}

/// <summary>Where a CloudWatch Logs payload's decoding time goes (ad hoc: --decode-parts).</summary>
internal static class DecodeParts
{
    public static int Run(int events, string work)
    {
        var dir = Path.Combine(work, $"forms-cwl-{events}");
        var payloads = new List<byte[]>();
        foreach (var f in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Take(200))
        {
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead(f), System.IO.Compression.CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            payloads.Add(ms.ToArray());
        }

        var messages = new List<byte[]>();
        foreach (var p in payloads)
        {
            var r = new System.Text.Json.Utf8JsonReader(p, new System.Text.Json.JsonReaderOptions { AllowMultipleValues = true });
            while (r.Read())
            {
                if (r.TokenType == System.Text.Json.JsonTokenType.PropertyName && r.ValueTextEquals("message"u8))
                {
                    r.Read();
                    messages.Add(r.ValueSpan.ToArray());
                }
            }
        }

        var n = messages.Count;
        var scratch = new byte[1 << 24];
        var list = new List<Range>();
        var single = new List<byte[]>();
        foreach (var p in payloads)
        {
            var at = 0;
            while (at < p.Length && CloudWatchLogsScanner.TryScan(p.AsSpan(at), scratch, list, out var len))
            {
                single.Add(p.AsSpan(at, len).ToArray());
                at += len;
            }
        }

        Console.WriteLine($"{single.Count} payloads");
        Time("fast scan of payloads (find + unescape messages)", n, () =>
        {
            foreach (var p in single)
            {
                CloudWatchLogsScanner.TryScan(p, scratch, list, out _);
            }
        });
        Time("tokenize payloads (Utf8JsonReader)", n, () =>
        {
            foreach (var p in payloads)
            {
                var r = new System.Text.Json.Utf8JsonReader(p, new System.Text.Json.JsonReaderOptions { AllowMultipleValues = true });
                while (r.Read())
                {
                }
            }
        });
        var dest = new byte[1 << 20];
        Time("unescape messages", n, () =>
        {
            var repaired = 0;
            foreach (var m in messages)
            {
                JsonText.Unescape(m, dest, ref repaired);
            }
        });
        var quoted = messages.Select(m => (byte[])[.. m, (byte)'"']).ToList();
        Time("unescape messages in the scan's one pass (JsonText.ReadString)", n, () =>
        {
            var repaired = 0;
            foreach (var m in quoted)
            {
                JsonText.ReadString(m, dest, out _, ref repaired);
            }
        });
        var unescaped = messages.Select(m => { var repaired = 0; var len = JsonText.Unescape(m, dest, ref repaired); return dest[..len]; }).ToList();
        Time("validate UTF-8 of records", n, () =>
        {
            foreach (var u in unescaped)
            {
                JsonText.IsValid(u);
            }
        });
        var ndjson = unescaped.SelectMany(u => u.Append((byte)'\n')).ToArray();
        var sink = new DecodeBenchSink();
        Time("decode the records as NDJSON", n, () => new RecordDecoder().Decode(new MemoryStream(ndjson), new InputContext("x"), sink));
        Time("decode the payloads (no gzip)", n, () =>
        {
            var d = new RecordDecoder();
            foreach (var p in payloads)
            {
                d.Decode(new MemoryStream(p), new InputContext("x"), sink);
            }
        });
        return 0;
    }

    private static void Time(string what, int n, Action run)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            best = Math.Min(best, sw.Elapsed.TotalMicroseconds / n);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {best:F2} µs/event"));
    }
}

internal sealed class DecodeBenchSink : IRecordSink
{
    public void Accept(ProjectedRow row, in RowKey key)
    {
    }

    public void Reject(string input, in RecordPosition position, RejectReason reason, string? detail)
    {
    }

    public void Skip(SkipKind kind)
    {
    }
}

using System.Diagnostics;
using System.Globalization;
using Pipeline.Decoding;
using Pipeline.Projection;

/// <summary>
/// Decoding alone, in process: each delivered form of the forms benchmark's objects read from memory by one
/// <see cref="RecordDecoder"/> into a sink that only counts, so the figure is the decoder's own cost per event.
/// Run <c>--forms</c> first (it writes the objects).
/// </summary>
internal static class DecodeBench
{
    public static int Run(int events, string work, int rounds)
    {
        var forms = new[] { ("NDJSON", $"forms-ndjson-{events}"), ("NDJSON gzip", $"forms-ndjson-gz-{events}"), ("Firehose EventBridge, gzip", $"forms-eb-gz-{events}"), ("Firehose CloudWatch Logs (gzip members)", $"forms-cwl-{events}") };
        Console.WriteLine("| input | events | decode CPU µs / event (best of rounds) | vs NDJSON gzip |");
        Console.WriteLine("|---|---:|---:|---:|");
        double gzip = 0;
        foreach (var (name, dirName) in forms)
        {
            var dir = Path.Combine(work, dirName);
            if (!Directory.Exists(dir))
            {
                Console.Error.WriteLine($"{dir} is missing: run --forms --events {events} first");
                return 2;
            }

            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(200).Select(File.ReadAllBytes).ToList();
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

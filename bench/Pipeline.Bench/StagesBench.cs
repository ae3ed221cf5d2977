using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Parquet;
using Pipeline.Projection;

/// <summary>
/// Where one core's time goes, stage by stage (<c>--stages</c>): the gzip NDJSON input of the main benchmark read on
/// one thread, each stage added to the one before, so the differences are the stages' own cost. Beside it, the floor:
/// tokenizing the same JSON with <see cref="Utf8JsonReader"/> and taking the 19 columns' values, nothing else.
/// </summary>
internal static class StagesBench
{
    private static readonly byte[][] Wanted =
    [
        "eventTime"u8.ToArray(), "eventID"u8.ToArray(), "awsRegion"u8.ToArray(), "eventSource"u8.ToArray(), "eventName"u8.ToArray(),
        "tlsVersion"u8.ToArray(), "cipherSuite"u8.ToArray(), "clientProvidedHostHeader"u8.ToArray(), "userAgent"u8.ToArray(),
        "sourceIPAddress"u8.ToArray(), "type"u8.ToArray(), "arn"u8.ToArray(), "accountId"u8.ToArray(), "accessKeyId"u8.ToArray(),
        "vpcEndpointId"u8.ToArray(), "errorCode"u8.ToArray(), "eventType"u8.ToArray(), "eventCategory"u8.ToArray(), "recipientAccountId"u8.ToArray(),
    ];

    public static int Run(string ndjsonDir, string work, int rounds)
    {
        var files = Directory.EnumerateFiles(ndjsonDir, "*.ndjson.gz", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var compressed = files.Select(File.ReadAllBytes).ToList();
        var plain = compressed.Select(Inflate).ToList();
        var bytes = plain.Sum(p => (long)p.Length);
        var events = plain.Sum(p => (long)p.AsSpan().Count((byte)'\n'));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{files.Count:N0} gzip NDJSON files, {events:N0} events, {bytes / 1e6:F0} MB of JSON; one thread, best of {rounds}"));

        var rows = new List<(string Stage, double Us)>();
        rows.Add(("inflate (gzip → bytes)", Best(rounds, events, () =>
        {
            foreach (var c in compressed)
            {
                using var gz = new GZipStream(new MemoryStream(c), CompressionMode.Decompress);
                gz.CopyTo(Stream.Null);
            }
        })));
        rows.Add(("floor: Utf8JsonReader over the JSON, the 19 values taken", Best(rounds, events, () =>
        {
            foreach (var p in plain)
            {
                Floor(p);
            }
        })));
        rows.Add(("decode + project (RecordDecoder, rows counted)", Best(rounds, events, () =>
        {
            var decoder = new RecordDecoder();
            var sink = new DecodeBenchSink();
            foreach (var p in plain)
            {
                decoder.Decode(new MemoryStream(p, writable: false), new InputContext("bench"), sink);
            }
        })));
        rows.Add(("+ buffer (partition buffers, columnar UTF-8; flushes dropped)", Best(rounds, events, () =>
        {
            var decoder = new RecordDecoder();
            using var buffers = new PartitionBuffers(MemoryBudget.FromMiB(IngestOptions.DefaultMemoryBudgetMiB), IngestOptions.DefaultMaxRowsPerFile);
            var sink = new BufferSink(buffers);
            buffers.Target = sink;
            foreach (var p in plain)
            {
                decoder.Decode(new MemoryStream(p, writable: false), new InputContext("bench"), sink);
            }
        })));
        var staging = Path.Combine(work, "stages-staging");
        rows.Add(("+ encode + write Parquet (no fsync, no commit)", Best(rounds, events, () =>
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, true);
            }

            Directory.CreateDirectory(staging);
            var decoder = new RecordDecoder();
            using var buffers = new PartitionBuffers(MemoryBudget.FromMiB(IngestOptions.DefaultMemoryBudgetMiB), IngestOptions.DefaultMaxRowsPerFile);
            var staged = new StagedBatch(new StagingArea(staging, "bench"), "fbench");
            using (var sink = new BatchSink(staged, buffers, new IngestStats(), new ParquetSettings(ParquetCodec.Snappy, 3), null, null))
            {
                foreach (var p in plain)
                {
                    decoder.Decode(new MemoryStream(p, writable: false), new InputContext("bench"), sink);
                }

                sink.Complete();
            }
        })));
        var lake = Path.Combine(work, "stages-lake");
        rows.Add(("+ inflate, fsync, commit: `ArchiveIngest`, parallelism 1", Best(rounds, events, () =>
        {
            if (Directory.Exists(lake))
            {
                Directory.Delete(lake, true);
            }

            new ArchiveIngest(new IngestOptions { Parallelism = 1 }, TimeProvider.System).RunAsync(new IngestRequest(ndjsonDir, lake), CancellationToken.None).GetAwaiter().GetResult();
        })));

        // Own cost: the in-memory stages from decoding on add to the one before; the full ingest adds inflate too.
        var own = new[]
        {
            rows[0].Us, rows[1].Us, rows[2].Us, rows[3].Us - rows[2].Us, rows[4].Us - rows[3].Us, rows[5].Us - rows[4].Us - rows[0].Us,
        };
        Console.WriteLine("| stage | cumulative µs / event | MB/s of JSON | the stage's own µs / event |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var i = 0; i < rows.Count; i++)
        {
            var (stage, us) = rows[i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {stage} | {us:F2} | {bytes / (us * events):F0} | {own[i]:F2} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"end to end at {rows[1].Us / rows[5].Us:P0} of the floor's speed (target: 50 %)"));
        return 0;
    }

    private static byte[] Inflate(byte[] c)
    {
        using var gz = new GZipStream(new MemoryStream(c), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>Tokenizes every line and copies out the values of the wanted property names: what any reader must do.</summary>
    private static long Floor(byte[] json)
    {
        long taken = 0;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            foreach (var name in Wanted)
            {
                if (reader.ValueTextEquals(name))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        taken += reader.ValueSpan.Length;
                    }

                    break;
                }
            }
        }

        return taken;
    }

    private static double Best(int rounds, long events, Action run)
    {
        var best = double.MaxValue;
        for (var i = 0; i < rounds; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            run();
            best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / events);
        }

        return best;
    }

    private sealed class BufferSink(PartitionBuffers buffers) : IRecordSink, IPartitionFlushTarget
    {
        public void Accept(ProjectedRow row, in RowKey key) => buffers.Append(row, key);

        public void Flush(PartitionKey key, TlsEventColumns rows)
        {
        }

        public void Reject(string input, in RecordPosition position, RejectReason reason, string? detail)
        {
        }

        public void Skip(SkipKind kind)
        {
        }
    }
}

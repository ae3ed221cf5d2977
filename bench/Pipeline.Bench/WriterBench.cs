using System.Diagnostics;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Parquet;
using Parquet.Schema;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Lake;
using Pipeline.Parquet;
using Pipeline.Projection;
using Pipeline.Schema;

/// <summary>
/// Head-to-head of the two .NET Parquet writers on the same 1M-row tls_events table: ParquetSharp (Arrow C++,
/// what ingest uses, fed UTF-8 pointers) and Parquet.Net (managed, fed strings, dictionary hints on).
/// </summary>
internal static class WriterBench
{
    public static int Run(string ndjsonDir, string workDir)
    {
        var table = Load(ndjsonDir);
        var rows = table.Count;
        Directory.CreateDirectory(workDir);
        var times = table.EventTimeMicros.ToArray().Select(m => DateTime.UnixEpoch.AddTicks(m * 10)).ToArray();
        var lines = new List<string>
        {
            "| writer | codec | rows | best of 3, s | rows/s | file MiB |",
            "|---|---|---:|---:|---:|---:|",
        };
        var codecs = new[]
        {
            ("Snappy", new ParquetSettings(ParquetCodec.Snappy), CompressionMethod.Snappy, System.IO.Compression.CompressionLevel.Optimal),
            ("ZSTD (fastest)", new ParquetSettings(ParquetCodec.Zstd, 1), CompressionMethod.Zstd, System.IO.Compression.CompressionLevel.Fastest),
        };
        foreach (var (codec, sharpSettings, _, _) in codecs)
        {
            var sharpPath = Path.Combine(workDir, $"parquetsharp-{codec[..4]}.parquet");
            var sharp = Best(() => TlsEventParquetWriter.Write(sharpPath, table, sharpSettings, new Dictionary<string, string>()));
            lines.Add(Line("ParquetSharp, from UTF-8 (what ingest does)", codec, rows, sharp, sharpPath));
        }

        foreach (var (codec, _, netCodec, netLevel) in codecs)
        {
            // What the pipeline would do to use it: make strings from its UTF-8 values (one cached string per
            // distinct value of a dictionary column, as an interner keeps; a new one per event ID), then write.
            var netPath = Path.Combine(workDir, $"parquetnet-{codec[..4]}.parquet");
            var net = Best(() => WriteParquetNet(netPath, times, Materialize(table), netCodec, netLevel).GetAwaiter().GetResult());
            lines.Add(Line("Parquet.Net 6.1, strings made from UTF-8", codec, rows, net, netPath));
            var strings = Materialize(table);
            var writeOnly = Best(() => WriteParquetNet(netPath, times, strings, netCodec, netLevel).GetAwaiter().GetResult());
            lines.Add(Line("Parquet.Net 6.1, strings given (write only)", codec, rows, writeOnly, netPath));
        }

        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    private static string?[][] Materialize(TlsEventColumns table)
    {
        var result = new string?[Col.Count][];
        for (var c = 0; c < Col.Count; c++)
        {
            var values = table.Strings(c);
            var column = result[c] = new string?[values.Length];
            var cache = TlsEventSchema.StringColumns[c].Dictionary ? new Dictionary<IntPtr, string>() : null;
            for (var i = 0; i < values.Length; i++)
            {
                var v = values[i];
                if (v.Pointer == IntPtr.Zero)
                {
                    continue;
                }

                if (cache is null)
                {
                    column[i] = Encoding.UTF8.GetString(Utf8Arena.Span(v));
                }
                else if (!cache.TryGetValue(v.Pointer, out column[i]))
                {
                    column[i] = cache[v.Pointer] = Encoding.UTF8.GetString(Utf8Arena.Span(v));
                }
            }
        }

        return result;
    }

    private static string Line(string writer, string codec, int rows, TimeSpan t, string path)
    {
        var counted = Count(path);
        if (counted != rows)
        {
            throw new InvalidOperationException($"{path} holds {counted} rows, expected {rows}");
        }

        return string.Create(CultureInfo.InvariantCulture, $"| {writer} | {codec} | {rows:N0} | {t.TotalSeconds:F2} | {rows / t.TotalSeconds:N0} | {new FileInfo(path).Length / 1048576.0:F1} |");
    }

    private static TimeSpan Best(Action write)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var sw = Stopwatch.StartNew();
            write();
            best = sw.Elapsed < best ? sw.Elapsed : best;
        }

        return best;
    }

    private static async Task WriteParquetNet(string path, DateTime[] times, string?[][] strings, CompressionMethod codec, System.IO.Compression.CompressionLevel level)
    {
        var timeField = new DateTimeDataField(TlsEventSchema.EventTimeColumn, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);
        var fields = TlsEventSchema.StringColumns.Select(c => new DataField<string>(c.Name, true)).ToArray();
        var options = new ParquetOptions { CompressionMethod = codec, CompressionLevel = level };
        foreach (var c in TlsEventSchema.StringColumns.Where(c => c.Dictionary))
        {
            options.ColumnEncodingHints[c.Name] = EncodingHint.Dictionary;
        }

        await using var fs = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema([timeField, .. fields]), fs, options);
        using var rowGroup = writer.CreateRowGroup();
        await rowGroup.WriteAsync<DateTime>(timeField, times.AsMemory(), null, null, default);
        for (var c = 0; c < fields.Length; c++)
        {
            await rowGroup.WriteAsync(fields[c], strings[c], null);
        }
    }

    private static long Count(string path)
    {
        using var c = new DuckDBConnection("DataSource=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM read_parquet('{path}')";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Decodes every record under the folder into one table (one partition), as ingest would buffer it.</summary>
    private static TlsEventColumns Load(string dir)
    {
        var keep = new KeepTarget();
        var buffers = new PartitionBuffers(new MemoryBudget(long.MaxValue), int.MaxValue) { Target = keep };
        var sink = new OnePartitionSink(buffers);
        var decoder = new RecordDecoder();
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var s = File.OpenRead(file);
            decoder.Decode(s, new InputContext(file), sink);
        }

        buffers.FlushAll();
        return keep.Rows!;
    }

    private sealed class OnePartitionSink(PartitionBuffers buffers) : IRecordSink
    {
        public void Accept(ProjectedRow row, in RowKey key) => buffers.Append(row, new RowKey(key.EventTimeUtc, 0, 0));

        public void Reject(string input, in RecordPosition position, RejectReason reason, string? detail)
        {
        }

        public void Skip(SkipKind kind)
        {
        }
    }

    /// <summary>Keeps a copy of the flushed table (the buffers recycle theirs after a flush).</summary>
    private sealed class KeepTarget : IPartitionFlushTarget
    {
        public TlsEventColumns? Rows { get; private set; }

        public void Flush(PartitionKey key, TlsEventColumns rows)
        {
            // Shared values stay shared (one copy per interned value, as the buffers hold them), so the writer
            // sees what it sees in ingest.
            var copy = new TlsEventColumns(rows.Count);
            var values = new ParquetSharp.ByteArray[Col.Count];
            var times = rows.EventTimeMicros;
            var copied = Enumerable.Range(0, Col.Count).Select(_ => new Dictionary<IntPtr, ParquetSharp.ByteArray>()).ToArray();
            for (var i = 0; i < rows.Count; i++)
            {
                for (var c = 0; c < Col.Count; c++)
                {
                    var v = rows.Strings(c)[i];
                    if (v.Pointer == IntPtr.Zero)
                    {
                        values[c] = default;
                    }
                    else if (!copied[c].TryGetValue(v.Pointer, out values[c]))
                    {
                        values[c] = copied[c][v.Pointer] = copy.Arena.Append(Utf8Arena.Span(v));
                    }
                }

                copy.Append(DateTime.UnixEpoch.AddTicks(times[i] * 10), values);
            }

            Rows = copy;
        }
    }
}

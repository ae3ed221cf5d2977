using System.Buffers;
using ParquetSharp;
using Pipeline.Buffers;
using Pipeline.Schema;

namespace Pipeline.Parquet;

/// <summary>
/// Writes one partition's buffered rows as a Parquet file. ParquetSharp (Arrow C++) dictionary-encodes the
/// low-cardinality string columns; <c>event_id</c> and <c>event_time</c> are plain.
/// <para>
/// The TLS 1.0/1.1 calls go first, in a row group of their own, and every other call in a second one (each in
/// arrival order). The row groups' statistics on <c>tls_version</c> then let engines skip the second group when
/// they look for legacy calls: for the offenders query Athena reads (and bills) only the legacy rows' bytes, and
/// DuckDB skips decoding the rest.
/// </para>
/// </summary>
internal static unsafe class TlsEventParquetWriter
{
    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> and returns the file's size. The caller makes it durable.</summary>
    public static long Write(string path, TlsEventColumns rows, ParquetSettings settings, IReadOnlyDictionary<string, string> metadata)
    {
        var columns = new Column[1 + Col.Count];
        columns[0] = new Column<DateTime>(TlsEventSchema.EventTimeColumn, LogicalType.Timestamp(isAdjustedToUtc: true, TimeUnit.Micros));
        for (var c = 0; c < Col.Count; c++)
        {
            columns[c + 1] = new Column<string>(TlsEventSchema.StringColumns[c].Name, LogicalType.String());
        }

        using var builder = new WriterPropertiesBuilder();
        builder.CreatedBy("pipeline (tls_events v" + TlsEventSchema.Version + ")")
            .MaxRowGroupLength(Math.Max(1, rows.Count))
            .DisableDictionary(TlsEventSchema.EventTimeColumn);
        foreach (var column in TlsEventSchema.StringColumns.Where(c => !c.Dictionary))
        {
            builder.DisableDictionary(column.Name);
        }

        // Min/max statistics help an engine only on a column the rows are clustered by: tls_version, whose legacy
        // row group the offenders query skips by them. On every other string column both row groups span nearly
        // every value, and computing them cost ~10 % of the write (a comparison per value).
        foreach (var column in TlsEventSchema.StringColumns.Where((_, c) => c != Col.TlsVersion))
        {
            builder.DisableStatistics(column.Name);
        }

        switch (settings.Codec)
        {
            case ParquetCodec.Snappy:
                builder.Compression(Compression.Snappy);
                break;
            case ParquetCodec.Zstd:
                builder.Compression(Compression.Zstd).CompressionLevel(settings.ZstdLevel);
                break;
            default:
                builder.Compression(Compression.Uncompressed);
                break;
        }

        using var properties = builder.Build();
        var count = rows.Count;
        var order = ArrayPool<int>.Shared.Rent(Math.Max(1, count));
        var defLevels = ArrayPool<short>.Shared.Rent(Math.Max(1, count));
        var dense = ArrayPool<ByteArray>.Shared.Rent(Math.Max(1, count));
        var times = ArrayPool<long>.Shared.Rent(Math.Max(1, count));
        try
        {
            var legacy = LegacyFirst(rows.Strings(Col.TlsVersion), order);
            using var file = new ParquetFileWriter(path, columns, properties, metadata);
            if (legacy == 0 || legacy == count)
            {
                WriteRowGroup(file, rows, order.AsSpan(0, count), defLevels, dense, times);
            }
            else
            {
                WriteRowGroup(file, rows, order.AsSpan(0, legacy), defLevels, dense, times);
                WriteRowGroup(file, rows, order.AsSpan(legacy, count - legacy), defLevels, dense, times);
            }

            file.Close();
        }
        catch (ParquetException e)
        {
            throw new IOException(WriteFailure(path, e.Message), e);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(order);
            ArrayPool<short>.Shared.Return(defLevels);
            ArrayPool<ByteArray>.Shared.Return(dense);
            ArrayPool<long>.Shared.Return(times);
        }

        return new FileInfo(path).Length;
    }

    /// <summary>
    /// ParquetSharp reports native I/O errors as <c>N7parquet22ParquetStatusExceptionE (message: 'IOError: … [errno 28]
    /// No space left on device')</c>: say what failed and what to do, in the user's words.
    /// </summary>
    internal static string WriteFailure(string path, string message)
    {
        var inner = message;
        var at = message.IndexOf("(message: '", StringComparison.Ordinal);
        if (at >= 0)
        {
            inner = message[(at + 11)..].TrimEnd(')', '\'');
        }

        return inner.Contains("No space left on device", StringComparison.Ordinal) || inner.Contains("errno 28]", StringComparison.Ordinal)
            ? $"the disk is full: writing {path} failed (no space left on device); free space and run again (nothing unwritten was checkpointed)"
            : $"writing {path} failed: {inner}";
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the row indexes, TLS 1.0/1.1 rows first (each part in arrival order), and
    /// returns how many are legacy.
    /// </summary>
    private static int LegacyFirst(ReadOnlySpan<ByteArray> tlsVersions, Span<int> order)
    {
        // One pass: legacy rows fill the front, the others the back (reversed, then turned around).
        var legacy = 0;
        var back = tlsVersions.Length;
        for (var i = 0; i < tlsVersions.Length; i++)
        {
            if (IsLegacy(tlsVersions[i]))
            {
                order[legacy++] = i;
            }
            else
            {
                order[--back] = i;
            }
        }

        order[legacy..tlsVersions.Length].Reverse();
        return legacy;
    }

    private static bool IsLegacy(ByteArray value) =>
        value.Pointer != IntPtr.Zero
        && TlsVersions.IsLegacy(new ReadOnlySpan<byte>((void*)value.Pointer, value.Length));

    private static void WriteRowGroup(ParquetFileWriter file, TlsEventColumns rows, ReadOnlySpan<int> order, short[] defLevels, ByteArray[] dense, long[] times)
    {
        var count = order.Length;
        using var rowGroup = file.AppendRowGroup();

        // Physical writers: times are already UTC micros and strings already UTF-8, so nothing is converted.
        var eventTimes = rows.EventTimeMicros;
        for (var i = 0; i < count; i++)
        {
            times[i] = eventTimes[order[i]];
        }

        using (var timeWriter = (ColumnWriter<long>)rowGroup.NextColumn())
        {
            timeWriter.WriteBatch(times.AsSpan(0, count));
        }

        for (var c = 0; c < Col.Count; c++)
        {
            var values = rows.Strings(c);
            var present = 0;
            for (var i = 0; i < count; i++)
            {
                var value = values[order[i]];
                var isSet = value.Pointer != IntPtr.Zero;
                defLevels[i] = isSet ? (short)1 : (short)0;
                if (isSet)
                {
                    dense[present++] = value;
                }
            }

            using var writer = (ColumnWriter<ByteArray>)rowGroup.NextColumn();
            writer.WriteBatch(count, defLevels.AsSpan(0, count), default, dense.AsSpan(0, present));
        }
    }
}

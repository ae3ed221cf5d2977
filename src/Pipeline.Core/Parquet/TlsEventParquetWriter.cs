using System.Buffers;
using ParquetSharp;
using Pipeline.Buffers;
using Pipeline.Schema;

namespace Pipeline.Parquet;

/// <summary>
/// Writes one partition's buffered rows as a Parquet file with one large row group. ParquetSharp (Arrow C++)
/// dictionary-encodes the low-cardinality string columns; <c>event_id</c> and <c>event_time</c> are plain.
/// </summary>
internal static class TlsEventParquetWriter
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
        var defLevels = ArrayPool<short>.Shared.Rent(Math.Max(1, count));
        var dense = ArrayPool<ByteArray>.Shared.Rent(Math.Max(1, count));
        try
        {
            using var file = new ParquetFileWriter(path, columns, properties, metadata);
            using (var rowGroup = file.AppendRowGroup())
            {
                // Physical writers: times are already UTC micros and strings already UTF-8, so nothing is converted.
                using (var times = (ColumnWriter<long>)rowGroup.NextColumn())
                {
                    times.WriteBatch(rows.EventTimeMicros);
                }

                for (var c = 0; c < Col.Count; c++)
                {
                    var values = rows.Strings(c);
                    var present = 0;
                    for (var i = 0; i < values.Length; i++)
                    {
                        var isSet = values[i].Pointer != IntPtr.Zero;
                        defLevels[i] = isSet ? (short)1 : (short)0;
                        if (isSet)
                        {
                            dense[present++] = values[i];
                        }
                    }

                    using var writer = (ColumnWriter<ByteArray>)rowGroup.NextColumn();
                    writer.WriteBatch(count, defLevels.AsSpan(0, count), default, dense.AsSpan(0, present));
                }
            }

            file.Close();
        }
        finally
        {
            ArrayPool<short>.Shared.Return(defLevels);
            ArrayPool<ByteArray>.Shared.Return(dense);
        }

        return new FileInfo(path).Length;
    }
}

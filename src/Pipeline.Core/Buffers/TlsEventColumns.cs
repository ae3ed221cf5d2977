using System.Buffers;
using System.Runtime.CompilerServices;
using ParquetSharp;
using Pipeline.Schema;

namespace Pipeline.Buffers;

/// <summary>
/// Rows of one partition held column by column, ready to become a Parquet row group: event times as UTC
/// microseconds, strings as UTF-8 pointers (a null pointer is a null value) into the interners' arenas or this
/// partition's own arena.
/// </summary>
internal sealed class TlsEventColumns : IDisposable
{
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;
    private readonly ByteArray[][] _strings = new ByteArray[Col.Count][];
    private long[] _eventTimeMicros;

    public TlsEventColumns(int capacity = 16)
    {
        // Pooled: partitions come and go all run long, and fresh large arrays cost zeroing and page faults.
        _eventTimeMicros = ArrayPool<long>.Shared.Rent(capacity);
        for (var c = 0; c < Col.Count; c++)
        {
            _strings[c] = ArrayPool<ByteArray>.Shared.Rent(capacity);
        }
    }

    /// <summary>Values that were not interned (event IDs, rare values); freed when the partition is flushed.</summary>
    public Utf8Arena Arena { get; } = new(512, 256 * 1024);

    public int Count { get; private set; }

    /// <summary>Estimated bytes held: the column arrays and this partition's arena.</summary>
    public long EstimatedBytes => ((long)_eventTimeMicros.Length * BytesPerRow) + Arena.ReservedBytes;

    public ReadOnlySpan<long> EventTimeMicros => _eventTimeMicros.AsSpan(0, Count);

    public ReadOnlySpan<ByteArray> Strings(int column) => _strings[column].AsSpan(0, Count);

    /// <summary>Array bytes per row: the timestamp and one pointer-and-length per string column.</summary>
    public const int BytesPerRow = 8 + (16 * Col.Count);

    /// <summary>Appends a row; returns the growth of <see cref="EstimatedBytes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Append(DateTime eventTimeUtc, ReadOnlySpan<ByteArray> values)
    {
        var before = EstimatedBytes;
        if (Count == _eventTimeMicros.Length)
        {
            Grow();
        }

        _eventTimeMicros[Count] = (eventTimeUtc.Ticks - UnixEpochTicks) / 10;
        for (var c = 0; c < Col.Count; c++)
        {
            _strings[c][Count] = values[c];
        }

        Count++;
        return EstimatedBytes - before;
    }

    private void Grow()
    {
        var size = _eventTimeMicros.Length * 2;
        _eventTimeMicros = Regrow(_eventTimeMicros, size, Count);
        for (var c = 0; c < Col.Count; c++)
        {
            _strings[c] = Regrow(_strings[c], size, Count);
        }
    }

    private static T[] Regrow<T>(T[] old, int size, int count)
    {
        var bigger = ArrayPool<T>.Shared.Rent(size);
        old.AsSpan(0, count).CopyTo(bigger);
        ArrayPool<T>.Shared.Return(old);
        return bigger;
    }

    /// <summary>Returns the column arrays to the pool and frees the arena; the rows are gone afterwards.</summary>
    public void Dispose()
    {
        ArrayPool<long>.Shared.Return(_eventTimeMicros);
        _eventTimeMicros = [];
        for (var c = 0; c < Col.Count; c++)
        {
            ArrayPool<ByteArray>.Shared.Return(_strings[c]);
            _strings[c] = [];
        }

        Count = 0;
        Arena.Reset();
    }
}

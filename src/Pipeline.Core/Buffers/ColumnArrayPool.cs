using System.Numerics;
using ParquetSharp;

namespace Pipeline.Buffers;

/// <summary>
/// Column arrays given back by flushed lake partitions, kept for the next partitions of any buffer of the process, up
/// to a bound in bytes. <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps about 32 arrays of a size per core: a
/// flush gives back 20 arrays per lake partition, hundreds of partitions at once, so nearly all were dropped and
/// every batch's arrays were new large-object allocations (a Kafka batch's buffers: ~370 bytes per row, all of them
/// fresh pages cleared by the kernel, and the gen 2 collections they set off). Thread-safe: a flush may give back on
/// one thread what a reader rents on another.
/// </summary>
internal sealed class ColumnArrayPool
{
    // Lengths are powers of two from 16 (the smallest a partition starts with) to 2^30.
    private const int FirstShift = 4;
    private const int Buckets = 31 - FirstShift;

    private readonly Stack<ByteArray[]>[] _strings = new Stack<ByteArray[]>[Buckets];
    private readonly Stack<long[]>[] _longs = new Stack<long[]>[Buckets];
    private readonly Lock _gate = new();
    private long _retained;

    /// <param name="maxRetainedBytes">The most the arrays kept (not rented) may hold together.</param>
    public ColumnArrayPool(long maxRetainedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBytes);
        MaxRetainedBytes = maxRetainedBytes;
        for (var b = 0; b < Buckets; b++)
        {
            _strings[b] = new Stack<ByteArray[]>();
            _longs[b] = new Stack<long[]>();
        }
    }

    /// <summary>A pool that keeps nothing: every array is new (one-off tables: compaction, benchmarks).</summary>
    public static ColumnArrayPool None { get; } = new(0);

    public long MaxRetainedBytes { get; }

    /// <summary>Bytes held by the arrays kept for reuse now.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _retained;
            }
        }
    }

    /// <summary>An array of at least <paramref name="minimumLength"/> values (a power of two); its contents are undefined.</summary>
    public ByteArray[] RentStrings(int minimumLength) => Rent(_strings, minimumLength, 16);

    /// <inheritdoc cref="RentStrings"/>
    public long[] RentLongs(int minimumLength) => Rent(_longs, minimumLength, sizeof(long));

    /// <summary>Keeps <paramref name="array"/> for reuse, or lets it go when the pool is full or it is not one of the pool's.</summary>
    public void Return(ByteArray[] array) => Return(_strings, array, 16);

    /// <inheritdoc cref="Return(ByteArray[])"/>
    public void Return(long[] array) => Return(_longs, array, sizeof(long));

    private T[] Rent<T>(Stack<T[]>[] buckets, int minimumLength, int elementBytes)
    {
        var bucket = BucketOf(minimumLength);
        lock (_gate)
        {
            if (buckets[bucket].TryPop(out var array))
            {
                _retained -= (long)array.Length * elementBytes;
                return array;
            }
        }

        // Not cleared: only the rows a partition has appended are ever read.
        return GC.AllocateUninitializedArray<T>(1 << (bucket + FirstShift));
    }

    private void Return<T>(Stack<T[]>[] buckets, T[] array, int elementBytes)
    {
        var length = array.Length;
        if (length < 1 << FirstShift || !int.IsPow2(length))
        {
            return;
        }

        var bytes = (long)length * elementBytes;
        lock (_gate)
        {
            if (_retained + bytes <= MaxRetainedBytes)
            {
                buckets[BucketOf(length)].Push(array);
                _retained += bytes;
            }
        }
    }

    private static int BucketOf(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumLength, 1 << 30);
        var length = (uint)Math.Max(1 << FirstShift, minimumLength);
        return BitOperations.Log2(BitOperations.RoundUpToPowerOf2(length)) - FirstShift;
    }
}

namespace Pipeline.Buffers;

/// <summary>
/// The one memory budget of a process for buffered rows, shared by every partition buffer of every source: file
/// workers, Kinesis shards and Kafka partitions alike. Each buffer that joins holds at most an equal share of the
/// limit, recomputed as buffers join and leave, so the total stays within the limit however many shards, stream
/// partitions or lake partitions are open. A buffer over its share (after another joined) flushes down on its next
/// row or when its owner asks it to relieve pressure.
/// </summary>
public sealed class MemoryBudget
{
    private long _used;
    private long _peak;
    private int _holders;
    private long _share;
    private readonly Lock _gate = new();

    /// <param name="limitBytes">Bytes of buffered rows the whole process may hold.</param>
    public MemoryBudget(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limitBytes, 1);
        LimitBytes = limitBytes;
        _share = limitBytes;
    }

    /// <summary>A budget of <paramref name="mebibytes"/> MiB.</summary>
    public static MemoryBudget FromMiB(int mebibytes) => new((long)mebibytes * 1024 * 1024);

    public long LimitBytes { get; }

    /// <summary>Bytes the buffers report holding now (each reports within <see cref="ReportGranularity"/> of its own count).</summary>
    public long UsedBytes => Interlocked.Read(ref _used);

    /// <summary>The most <see cref="UsedBytes"/> has been.</summary>
    public long PeakBytes => Interlocked.Read(ref _peak);

    /// <summary>Buffers holding a share now.</summary>
    public int Holders => Volatile.Read(ref _holders);

    /// <summary>What each buffer may hold now: the limit divided among the buffers.</summary>
    public long Share => Volatile.Read(ref _share);

    /// <summary>How far a buffer's own count may run ahead of what it reported.</summary>
    internal const long ReportGranularity = 256 * 1024;

    internal void Join() => Count(+1);

    internal void Leave(long reportedBytes)
    {
        Report(-reportedBytes);
        Count(-1);
    }

    private void Count(int change)
    {
        // Rare (a shard taken, a partition assigned): a lock keeps the share and the count in step.
        lock (_gate)
        {
            _holders += change;
            Volatile.Write(ref _share, LimitBytes / Math.Max(1, _holders));
        }
    }

    internal void Report(long deltaBytes)
    {
        var used = Interlocked.Add(ref _used, deltaBytes);
        var peak = Interlocked.Read(ref _peak);
        while (used > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, used, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }
    }
}

using Pipeline.Lake;
using Pipeline.Projection;
using Pipeline.Schema;

namespace Pipeline.Buffers;

/// <summary>Receives a partition's rows when they are to become a file.</summary>
internal interface IPartitionFlushTarget
{
    void Flush(PartitionKey key, TlsEventColumns rows);
}

/// <summary>
/// Rows held column-wise per lake partition (event_date, account_id). A lake partition is flushed when it reaches
/// the row limit; when all of them together pass this buffer's share of the process's <see cref="MemoryBudget"/>
/// the largest are flushed, so memory is bounded by configuration however many lake partitions, shards or stream
/// partitions are open. Owned by one thread at a time; dispose it to give its share back.
/// </summary>
internal sealed class PartitionBuffers : IDisposable
{
    private readonly MemoryBudget _budget;
    private readonly int _maxRowsPerFile;
    private readonly Dictionary<PartitionKey, TlsEventColumns> _partitions = [];
    private readonly Utf8Interner?[] _interners = new Utf8Interner?[Col.Count];
    private readonly ParquetSharp.ByteArray[] _values = new ParquetSharp.ByteArray[Col.Count];
    private long _bufferedBytes;
    private long _reported;
    private bool _disposed;

    /// <param name="budget">The process's budget; this buffer holds a share of it until disposed.</param>
    /// <param name="maxRowsPerFile">Rows at which a lake partition is flushed whatever the memory.</param>
    public PartitionBuffers(MemoryBudget budget, int maxRowsPerFile)
    {
        _budget = budget;
        budget.Join();
        _maxRowsPerFile = maxRowsPerFile;
        for (var c = 0; c < Col.Count; c++)
        {
            _interners[c] = TlsEventSchema.StringColumns[c].Dictionary ? new Utf8Interner() : null;
        }
    }

    /// <summary>Where flushed partitions go; set per unit of work (a batch, a shard range).</summary>
    public IPartitionFlushTarget? Target { get; set; }

    public int OpenPartitions => _partitions.Count;

    public long BufferedBytes => _bufferedBytes + InternedBytes;

    private long InternedBytes => _interners.Sum(i => i?.RetainedBytes ?? 0);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Append(ProjectedRow row, in RowKey rowKey)
    {
        var key = new PartitionKey(rowKey.EventDay, rowKey.AccountId);
        long before;
        if (_partitions.TryGetValue(key, out var columns))
        {
            before = columns.EstimatedBytes;
        }
        else
        {
            // A new partition's own buffers count too: with many small partitions they are most of the memory.
            columns = new TlsEventColumns();
            _partitions.Add(key, columns);
            before = 0;
        }

        for (var c = 0; c < Col.Count; c++)
        {
            if (!row.Has(c))
            {
                _values[c] = default;
                continue;
            }

            var bytes = row.Get(c);
            // Long values seldom repeat and are what a hostile input makes huge: they go to the partition's arena,
            // which counts against the budget at once, instead of an interner that is re-counted only now and then.
            if (bytes.Length > MaxInternedBytes || _interners[c] is not { } interner || !interner.TryIntern(bytes, out _values[c]))
            {
                _values[c] = columns.Arena.Append(bytes);
            }
        }

        columns.Append(rowKey.EventTimeUtc, _values);
        _bufferedBytes += columns.EstimatedBytes - before;
        if (columns.Count >= _maxRowsPerFile)
        {
            Flush(key, columns);
        }
        else if (_bufferedBytes + InternedBytesCheap() > _budget.Share)
        {
            FlushLargest();
        }

        ReportIfMoved();
    }

    /// <summary>
    /// Flushes the largest lake partitions when this buffer holds more than its share now (another buffer joined
    /// since its last row). Owners call it while they wait for input, so an idle buffer gives memory back too.
    /// </summary>
    public void Relieve()
    {
        if (_bufferedBytes + InternedBytes > _budget.Share)
        {
            FlushLargest();
            ReportIfMoved();
        }
    }

    private void ReportIfMoved()
    {
        var now = _bufferedBytes + _internedCache;
        if (Math.Abs(now - _reported) >= MemoryBudget.ReportGranularity)
        {
            _budget.Report(now - _reported);
            _reported = now;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var columns in _partitions.Values)
        {
            columns.Dispose();
        }

        _partitions.Clear();
        _budget.Leave(_reported);
        _reported = 0;
    }

    /// <summary>Longest value kept in a column's interner; longer ones are buffered per partition.</summary>
    internal const int MaxInternedBytes = 256;

    // Interners grow only on a miss; checking their total on every row would cost 17 reads per row. Re-counted every
    // 256 rows, they can run ahead of the count by at most 256 rows x 17 columns x 256 bytes (about 1 MiB).
    private long _internedCache;
    private int _internedAge;

    private long InternedBytesCheap()
    {
        if (++_internedAge >= 256)
        {
            _internedAge = 0;
            _internedCache = InternedBytes;
        }

        return _internedCache;
    }

    /// <summary>Writes every open partition (end of a batch, shutdown).</summary>
    public void FlushAll()
    {
        foreach (var (key, columns) in _partitions.OrderBy(p => p.Key.EventDay).ThenBy(p => p.Key.AccountId).ToList())
        {
            Flush(key, columns);
        }

        // Interned values can outlive many batches; drop them once they are a large part of this buffer's share.
        if (InternedBytes > _budget.Share / 4)
        {
            ResetInterners();
        }

        ReportIfMoved();
    }

    /// <summary>
    /// Flushes the largest lake partitions until a quarter of this buffer's share is free. One sort per trip, not a
    /// scan of every open partition per row: with thousands of small partitions a scan per row was quadratic.
    /// </summary>
    private void FlushLargest()
    {
        var target = _budget.Share * 3 / 4;
        foreach (var (key, columns) in _partitions.OrderByDescending(p => p.Value.EstimatedBytes).ToList())
        {
            if (_bufferedBytes + InternedBytes <= target)
            {
                break;
            }

            Flush(key, columns);
        }

        // Every row written and the interned values alone still over the share (a small share, many distinct
        // values): nothing points into them any more, so they go too.
        if (_partitions.Count == 0 && InternedBytes > target)
        {
            ResetInterners();
        }
    }

    private void ResetInterners()
    {
        for (var c = 0; c < Col.Count; c++)
        {
            _interners[c] = _interners[c] is null ? null : new Utf8Interner();
        }

        _internedCache = 0;
    }

    private void Flush(PartitionKey key, TlsEventColumns columns)
    {
        _partitions.Remove(key);
        _bufferedBytes -= columns.EstimatedBytes;
        if (columns.Count > 0)
        {
            (Target ?? throw new InvalidOperationException("no flush target set")).Flush(key, columns);
        }

        columns.Dispose();
    }
}

using System.Collections.Concurrent;
using Pipeline.Ingest;

namespace Pipeline.Kinesis.Consumer;

/// <summary>Live figures of a stream ingest: the shared ingest counters plus what is per shard.</summary>
public sealed class KinesisStats
{
    private long _kinesisRecords;
    private long _kinesisBytes;
    private long _checkpoints;
    private long _throttled;
    private long _expiredIterators;
    private long _getRecordsCalls;

    /// <summary>Records, rows, rejects and files, as for file ingest.</summary>
    public IngestStats Ingest { get; } = new();

    /// <summary>Kinesis records read (a KPL aggregate or a CloudWatch Logs payload is one record).</summary>
    public long KinesisRecords => Interlocked.Read(ref _kinesisRecords);

    /// <summary>Payload bytes read.</summary>
    public long KinesisBytes => Interlocked.Read(ref _kinesisBytes);

    /// <summary>GetRecords calls answered.</summary>
    public long GetRecordsCalls => Interlocked.Read(ref _getRecordsCalls);

    /// <summary>Checkpoints moved.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>GetRecords calls that stayed throttled after the client's retries.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Shard iterators that expired and were re-acquired.</summary>
    public long ExpiredIterators => Interlocked.Read(ref _expiredIterators);

    /// <summary>MillisBehindLatest of each shard's last GetRecords.</summary>
    public ConcurrentDictionary<string, long> MillisBehindLatest { get; } = new(StringComparer.Ordinal);

    /// <summary>When each held shard's checkpoint last moved (or was taken).</summary>
    public ConcurrentDictionary<string, DateTimeOffset> LastCheckpoint { get; } = new(StringComparer.Ordinal);

    /// <summary>Shards this worker reads now.</summary>
    public ConcurrentDictionary<string, byte> HeldShards { get; } = new(StringComparer.Ordinal);

    /// <summary>Shards read to their end by this worker.</summary>
    public ConcurrentDictionary<string, byte> EndedShards { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Raised as this worker takes and ends shards, in order: <c>taken</c>; <c>ending</c> (read to its end, the end
    /// about to be checkpointed); <c>ended</c>; <c>lost</c>. Raised on the shard's reader, before what it announces.
    /// </summary>
    public event Action<string, string>? ShardChanged;

    internal void Shard(string shardId, string change) => ShardChanged?.Invoke(shardId, change);

    /// <summary>Raised after each commit with the time to write and sync the batch, and the time to move the checkpoint.</summary>
    public event Action<TimeSpan, TimeSpan>? Committed;

    internal void OnCommitted(TimeSpan flush, TimeSpan checkpoint) => Committed?.Invoke(flush, checkpoint);

    internal void Answered() => Interlocked.Increment(ref _getRecordsCalls);

    internal void Read(int records, long bytes)
    {
        Interlocked.Add(ref _kinesisRecords, records);
        Interlocked.Add(ref _kinesisBytes, bytes);
    }

    internal void Checkpointed(string shardId, DateTimeOffset at)
    {
        Interlocked.Increment(ref _checkpoints);
        LastCheckpoint[shardId] = at;
    }

    internal void ThrottledOnce() => Interlocked.Increment(ref _throttled);

    internal void IteratorExpired() => Interlocked.Increment(ref _expiredIterators);
}

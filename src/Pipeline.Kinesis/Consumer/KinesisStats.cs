using System.Collections.Concurrent;
using Pipeline.Sources.Streams;

namespace Pipeline.Kinesis.Consumer;

/// <summary>Live figures of a Kinesis ingest: every stream source's (<see cref="StreamStats"/>; a shard is a stream partition) plus what is Kinesis's own.</summary>
public sealed class KinesisStats : StreamStats
{
    private long _expiredIterators;
    private long _getRecordsCalls;

    /// <summary>GetRecords calls answered.</summary>
    public long GetRecordsCalls => Interlocked.Read(ref _getRecordsCalls);

    /// <summary>Shard iterators that expired and were re-acquired.</summary>
    public long ExpiredIterators => Interlocked.Read(ref _expiredIterators);

    /// <summary>MillisBehindLatest of each held shard's last GetRecords.</summary>
    public ConcurrentDictionary<string, long> MillisBehindLatest { get; } = new(StringComparer.Ordinal);

    /// <summary>Shards read to their end by this worker.</summary>
    public ConcurrentDictionary<string, byte> EndedShards { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Raised as this worker takes and ends shards, in order: <c>taken</c>; <c>ending</c> (read to its end, the end
    /// about to be checkpointed); <c>ended</c>; <c>lost</c>. Raised on the shard's reader, before what it announces.
    /// </summary>
    public event Action<string, string>? ShardChanged;

    public override void Release(string partition)
    {
        base.Release(partition);
        MillisBehindLatest.TryRemove(partition, out _);
    }

    internal void Shard(string shardId, string change) => ShardChanged?.Invoke(shardId, change);

    internal void Answered() => Interlocked.Increment(ref _getRecordsCalls);

    internal void IteratorExpired() => Interlocked.Increment(ref _expiredIterators);
}

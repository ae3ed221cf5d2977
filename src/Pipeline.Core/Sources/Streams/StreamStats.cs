using System.Collections.Concurrent;
using Pipeline.Ingest;

namespace Pipeline.Sources.Streams;

/// <summary>
/// Live figures every stream source keeps, one model for Kinesis shards and Kafka partitions: the ingest counters,
/// what was read from the stream, the commits, which stream partitions this process holds and when each one's
/// checkpoint last moved. Sources add only what is their own (GetRecords calls, dead letters).
/// </summary>
public class StreamStats
{
    private long _messages;
    private long _bytes;
    private long _commits;
    private long _throttled;

    /// <summary>Records, rows, rejects and files, as for file ingest.</summary>
    public IngestStats Ingest { get; } = new();

    /// <summary>Messages read: Kinesis records or Kafka messages (a KPL aggregate or a CloudWatch Logs payload is one).</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Message payload bytes read.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Checkpoints moved (lease checkpoints, offset commits), each after the files it covers were durable.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Reads that stayed throttled after the client's own retries.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>The stream partitions this process reads now.</summary>
    public ConcurrentDictionary<string, byte> Held { get; } = new(StringComparer.Ordinal);

    /// <summary>When each held stream partition's checkpoint last moved (or the partition was taken).</summary>
    public ConcurrentDictionary<string, DateTimeOffset> LastCommit { get; } = new(StringComparer.Ordinal);

    /// <summary>Raised after each commit with the time to write and sync the batch, and the time to move the checkpoint.</summary>
    public event Action<TimeSpan, TimeSpan>? Committed;

    /// <summary>Counts messages read.</summary>
    public void Read(int messages, long bytes)
    {
        Interlocked.Add(ref _messages, messages);
        Interlocked.Add(ref _bytes, bytes);
    }

    /// <summary>A read still throttled after retries.</summary>
    public void ThrottledOnce() => Interlocked.Increment(ref _throttled);

    /// <summary>A stream partition taken at <paramref name="at"/>.</summary>
    public void Hold(string partition, DateTimeOffset at)
    {
        Held[partition] = 0;
        LastCommit[partition] = at;
    }

    /// <summary>A stream partition given up (ended, lost, revoked, stopped).</summary>
    public virtual void Release(string partition)
    {
        Held.TryRemove(partition, out _);
        LastCommit.TryRemove(partition, out _);
    }

    /// <summary>A batch of <paramref name="partitions"/> (one, or a shared batch's) committed at <paramref name="at"/>.</summary>
    public void OnCommitted(IEnumerable<string> partitions, DateTimeOffset at, TimeSpan flush, TimeSpan checkpoint)
    {
        Interlocked.Increment(ref _commits);
        foreach (var partition in partitions)
        {
            if (Held.ContainsKey(partition))
            {
                LastCommit[partition] = at;
            }
        }

        Committed?.Invoke(flush, checkpoint);
    }
}

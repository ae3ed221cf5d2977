using Pipeline.Sources.Streams;

namespace Pipeline.Sqs;

/// <summary>
/// Live figures of an SQS ingest: every stream source's (<see cref="StreamStats"/>: messages are queue messages,
/// bytes are object bytes, each receive loop is a held partition) plus what became of each message and object.
/// </summary>
public sealed class SqsStats : StreamStats
{
    private long _objects;
    private long _skipped;
    private long _alreadyDone;
    private long _deleted;
    private long _tests;
    private long _ignored;
    private long _notNotifications;
    private long _extended;
    private long _oldestTicks;

    /// <summary>Objects read and committed.</summary>
    public long Objects => Interlocked.Read(ref _objects);

    /// <summary>Digest, Insights and folder-marker objects passed over, as in the backfill.</summary>
    public long SkippedObjects => Interlocked.Read(ref _skipped);

    /// <summary>Objects already in the lake's input checkpoint (a redelivery, a backfill before the tail).</summary>
    public long AlreadyDoneObjects => Interlocked.Read(ref _alreadyDone);

    /// <summary>Messages deleted, each after every object it names was in the lake.</summary>
    public long DeletedMessages => Interlocked.Read(ref _deleted);

    /// <summary>S3 test events (deleted).</summary>
    public long TestEvents => Interlocked.Read(ref _tests);

    /// <summary>Notifications of something other than a new object (deleted).</summary>
    public long IgnoredNotifications => Interlocked.Read(ref _ignored);

    /// <summary>Messages that are not notifications, left on the queue for its redrive policy (each receive counts).</summary>
    public long NotNotifications => Interlocked.Read(ref _notNotifications);

    /// <summary>Visibility extensions of in-flight messages.</summary>
    public long VisibilityExtensions => Interlocked.Read(ref _extended);

    /// <summary>Age of the oldest message of the last receive that had any: how far behind the queue the source is.</summary>
    public TimeSpan OldestMessageAge => TimeSpan.FromTicks(Interlocked.Read(ref _oldestTicks));

    internal void ObjectRead() => Interlocked.Increment(ref _objects);

    internal void SkippedObject() => Interlocked.Increment(ref _skipped);

    internal void AlreadyDone() => Interlocked.Increment(ref _alreadyDone);

    internal void Deleted(int count) => Interlocked.Add(ref _deleted, count);

    internal void TestEvent() => Interlocked.Increment(ref _tests);

    internal void IgnoredOnce() => Interlocked.Increment(ref _ignored);

    internal void NotNotification() => Interlocked.Increment(ref _notNotifications);

    internal void Extended(int count) => Interlocked.Add(ref _extended, count);

    internal void Received(TimeSpan oldest) => Interlocked.Exchange(ref _oldestTicks, Math.Max(0, oldest.Ticks));
}

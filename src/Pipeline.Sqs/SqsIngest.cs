using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Projection;
using Pipeline.S3;
using Pipeline.Schema;
using Pipeline.Sources.Files;
using Pipeline.Sources.Streams;
using Pipeline.Sqs.Notifications;

namespace Pipeline.Sqs;

/// <summary>What an SQS ingest did before it stopped.</summary>
/// <param name="Stats">Its figures.</param>
/// <param name="Elapsed">How long it ran.</param>
/// <param name="StoppedIdle">Whether it stopped because the queue was empty long enough.</param>
/// <param name="Unwritten">Objects that could not be read or written when last tried: their messages stay on the queue and are delivered again.</param>
public sealed record SqsResult(SqsStats Stats, TimeSpan Elapsed, bool StoppedIdle, IReadOnlyList<string> Unwritten);

/// <summary>An SQS error the source cannot go on after (no such queue, no permission).</summary>
public sealed class SqsIngestException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Tails a trail's bucket through the queue that gets a notification for every new object: each receive loop long-polls
/// up to 10 messages, reads every object they name with the S3 client, and commits each object through its own
/// <see cref="StreamPump"/> batch: its files are staged durably, the object is marked in the lake's input checkpoint
/// (shared with the S3 backfill, so either skips what the other did), and the files are published. A message is
/// deleted, in one batched call per receive, only once every object it names is in the lake; until then its
/// visibility is extended, so no other worker gets it. Batches are named by bucket, key and version alone, so an
/// object read twice (a redelivery, two notifications, two workers) writes the same files: it lands once. For the same
/// reason a batch left staged by a crash is published on restart rather than removed: its object is read again
/// anyway and rewrites the very same files.
/// </summary>
public sealed partial class SqsIngest(
    SqsSourceOptions options, IngestOptions ingest, ILakeSink lake, IAmazonSQS sqs, IAmazonS3 s3, TimeProvider time, ILogger<SqsIngest>? logger = null, MemoryBudget? budget = null)
{
    /// <summary>The backfill's filter text for a run without --from/--to: the tail shares its checkpoint keys.</summary>
    private const string FilterText = "from=;to=";
    private const int MaxMessages = 10;
    private readonly MemoryBudget _budget = budget ?? MemoryBudget.FromMiB(ingest.MemoryBudgetMiB);
    private readonly ILogger _log = (ILogger?)logger ?? NullLogger.Instance;
    private readonly Polly.ResiliencePipeline _retry = SqsRetry.Create(time);
    private readonly ConcurrentDictionary<string, string> _unwritten = new(StringComparer.Ordinal);

    public SqsStats Stats { get; } = new();

    /// <summary>True once the queue was found and the receive loops started (readiness).</summary>
    public bool Started { get; private set; }

    /// <summary>Receives until <paramref name="stop"/> or, with UntilIdle, until the queue stayed empty that long; in-flight messages are finished first.</summary>
    public async Task<SqsResult> RunAsync(CancellationToken stop)
    {
        var started = time.GetTimestamp();
        var queueUrl = await ResolveQueueUrlAsync(stop).ConfigureAwait(false);
        var worker = StagingArea.SafeName(options.ResolveWorkerId());
        LogStarting(_log, queueUrl, options.Receivers, worker, lake.Describe);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var activity = new Activity(time);
        Started = true;
        var loops = Enumerable.Range(0, options.Receivers)
            .Select(i => Task.Run(() => ReceiveLoopAsync(i, queueUrl, worker, activity, idle, stop), CancellationToken.None))
            .ToList();
        await Task.WhenAll(loops).ConfigureAwait(false);
        var stoppedIdle = !stop.IsCancellationRequested && idle.IsCancellationRequested;
        return new SqsResult(Stats, time.GetElapsedTime(started), stoppedIdle, [.. _unwritten.Values.Order(StringComparer.Ordinal)]);
    }

    private async Task<string> ResolveQueueUrlAsync(CancellationToken ct)
    {
        if (Uri.TryCreate(options.Queue, UriKind.Absolute, out _))
        {
            return options.Queue;
        }

        try
        {
            var response = await _retry.ExecuteAsync(async c => await sqs.GetQueueUrlAsync(options.Queue, c).ConfigureAwait(false), ct).ConfigureAwait(false);
            return response.QueueUrl;
        }
        catch (QueueDoesNotExistException e)
        {
            throw new SqsIngestException($"queue '{options.Queue}' does not exist in {options.ResolveRegion()} (GetQueueUrl: {e.ErrorCode}, request id {e.RequestId})", e);
        }
        catch (AmazonSQSException e)
        {
            throw new SqsIngestException($"cannot find queue '{options.Queue}': {e.ErrorCode}: {e.Message} (HTTP {(int)e.StatusCode}, request id {e.RequestId})", e);
        }
    }

    private async Task ReceiveLoopAsync(int index, string queueUrl, string worker, Activity activity, CancellationTokenSource idle, CancellationToken stop)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"receiver-{index}");
        var staging = Path.Combine(lake.Local.StagingDirectory, "sqs", $"{worker}-{index}");
        using var pump = new StreamPump(
            lake, staging, "sqs", ingest, new FlushPolicy(long.MaxValue, TimeSpan.MaxValue, WhenCaughtUp: true), _budget, Stats, name, time, owner: worker, namedByPosition: true);

        // What a crash left staged is published: its object is read again (its message was not deleted) into the same names.
        var recovered = await pump.RecoverAsync(staging, _ => true, CancellationToken.None).ConfigureAwait(false);
        if (recovered.Finished + recovered.Discarded > 0)
        {
            LogRecovered(_log, name, recovered.Finished, recovered.Discarded);
        }

        Stats.Hold(name, time.GetUtcNow());
        var wait = options.UntilIdle is { } untilIdle ? Math.Min(options.WaitTime.TotalSeconds, Math.Ceiling(untilIdle.TotalSeconds)) : options.WaitTime.TotalSeconds;
        var request = new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = MaxMessages,
            WaitTimeSeconds = (int)wait,
            VisibilityTimeout = (int)options.Visibility.TotalSeconds,
            MessageSystemAttributeNames = ["SentTimestamp", "ApproximateReceiveCount"],
        };
        try
        {
            while (!idle.IsCancellationRequested)
            {
                List<Message> messages;
                try
                {
                    var response = await _retry.ExecuteAsync(async c => await sqs.ReceiveMessageAsync(request, c).ConfigureAwait(false), idle.Token).ConfigureAwait(false);
                    messages = response.Messages ?? [];
                }
                catch (OperationCanceledException) when (idle.IsCancellationRequested)
                {
                    break;
                }
                catch (QueueDoesNotExistException e)
                {
                    throw new SqsIngestException($"queue {queueUrl} does not exist (any more): {e.ErrorCode}, request id {e.RequestId}", e);
                }
                catch (AmazonSQSException e) when (IsPermanent(e))
                {
                    throw new SqsIngestException($"ReceiveMessage on {queueUrl} refused: {e.ErrorCode}: {e.Message} (HTTP {(int)e.StatusCode}, request id {e.RequestId})", e);
                }
                catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException)
                {
                    Stats.ThrottledOnce();
                    LogReceiveFailed(_log, queueUrl, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, idle.Token).ConfigureAwait(false);
                    continue;
                }

                if (messages.Count == 0)
                {
                    pump.Polled(caughtUp: true);
                    if (options.UntilIdle is { } limit && activity.IdleFor() >= limit)
                    {
                        LogIdle(_log, queueUrl, limit.TotalSeconds);
                        await idle.CancelAsync().ConfigureAwait(false);
                    }

                    continue;
                }

                pump.Polled(caughtUp: false);
                activity.Begin();
                try
                {
                    // Once received, messages are finished even when a stop comes: flushed, committed and deleted.
                    await HandleAsync(queueUrl, messages, pump, staging).ConfigureAwait(false);
                }
                finally
                {
                    activity.End();
                }
            }
        }
        finally
        {
            Stats.Release(name);
        }
    }

    /// <summary>Reads, commits and deletes one receive's messages, keeping them hidden meanwhile.</summary>
    private async Task HandleAsync(string queueUrl, List<Message> messages, StreamPump pump, string staging)
    {
        var now = time.GetUtcNow();
        Stats.Read(messages.Count, 0);
        Stats.Received(messages.Select(m => SentAt(m) is { } sent ? now - sent : TimeSpan.Zero).Max());
        var keeper = new VisibilityKeeper(sqs, options.Visibility, time, _log, Stats, queueUrl, messages);
        await using var keeperScope = keeper.ConfigureAwait(false);
        var done = new List<Message>();
        foreach (var message in messages)
        {
            var notice = NotificationReader.Read(message.Body ?? string.Empty);
            switch (notice.Kind)
            {
                case NoticeKind.Test:
                    Stats.TestEvent();
                    done.Add(message);
                    break;
                case NoticeKind.Ignored:
                    Stats.IgnoredOnce();
                    LogIgnored(_log, message.MessageId, notice.Detail);
                    done.Add(message);
                    break;
                case NoticeKind.NotANotification:
                    // Never deleted: the queue's redrive policy moves it to the dead-letter queue after its receive count.
                    Stats.NotNotification();
                    LogNotNotification(_log, message.MessageId, ReceiveCount(message), notice.Detail);
                    keeper.Release(message);
                    break;
                default:
                    if (await ObjectsAsync(notice.Objects, pump, staging).ConfigureAwait(false))
                    {
                        done.Add(message);
                    }
                    else
                    {
                        keeper.Release(message);
                        await RetryLaterAsync(queueUrl, message).ConfigureAwait(false);
                    }

                    break;
            }
        }

        await keeper.StopAsync().ConfigureAwait(false);
        await DeleteAsync(queueUrl, done).ConfigureAwait(false);
    }

    /// <summary>Commits every object of one message; false when one could not be read or written (the message is then delivered again).</summary>
    private async Task<bool> ObjectsAsync(IReadOnlyList<ObjectRef> objects, StreamPump pump, string staging)
    {
        foreach (var o in objects)
        {
            var counts = new ScanCounts();
            if (ArchiveScanner.Classify(o.Key, o.ToString(), o.Size ?? 0, counts) is not { } input)
            {
                // Digest, Insights and folder-marker objects, as in the backfill.
                Stats.SkippedObject();
                continue;
            }

            S3ObjectBody body;
            try
            {
                body = await S3ObjectReader.ReadAsync(s3, o.Bucket, o.Key, o.VersionId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (S3ObjectMissingException e)
            {
                // Gone for good: one reject in the lake, and the message is deleted.
                if (!await CommitAsync(pump, staging, o, key: null, p => p.RejectInput(Position(o, "missing"), new InputContext(o.ToString(), input.Account), RejectReason.ObjectMissing, e.Message)).ConfigureAwait(false))
                {
                    return false;
                }

                continue;
            }
            catch (IngestException e)
            {
                if (!await CommitAsync(pump, staging, o, key: null, p => p.RejectInput(Position(o, "too-large"), new InputContext(o.ToString(), input.Account), RejectReason.TooLarge, e.Message)).ConfigureAwait(false))
                {
                    return false;
                }

                continue;
            }
            catch (IOException e)
            {
                _unwritten[o.ToString()] = $"{o}: {e.Message}";
                LogObjectUnreadable(_log, o.ToString(), e.Message);
                return false;
            }

            using (body.Body)
            {
                var key = ArchiveScanner.CheckpointKey(input with { Size = body.Size }, FilterText);
                if (await lake.InputCheckpoint.IsDoneAsync(key, CancellationToken.None).ConfigureAwait(false))
                {
                    _unwritten.TryRemove(o.ToString(), out _);
                    Stats.AlreadyDone();
                    continue;
                }

                var position = Position(o, body.VersionId ?? body.ETag);
                Stats.Read(0, body.Size);
                var context = new InputContext(o.ToString(), input.Account);
                if (!await CommitAsync(pump, staging, o, key, p => p.AppendInput(body.Body, body.Size, position, context)).ConfigureAwait(false))
                {
                    return false;
                }

                Stats.ObjectRead();
            }
        }

        return true;
    }

    /// <summary>Fills one object's batch and commits it; false (and the staged batch resolved) when the lake refused it.</summary>
    private async Task<bool> CommitAsync(StreamPump pump, string staging, ObjectRef o, string? key, Action<StreamPump> fill)
    {
        try
        {
            fill(pump);
            pump.PublishCounts();
            await pump.CommitAsync(
                async (batch, ct) =>
                {
                    if (key is not null)
                    {
                        await lake.InputCheckpoint.MarkDoneAsync([(batch.Manifest.Batch, key)], ct).ConfigureAwait(false);
                    }

                    return true;
                },
                CancellationToken.None).ConfigureAwait(false);
            _unwritten.TryRemove(o.ToString(), out _);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or AmazonServiceException or HttpRequestException)
        {
            pump.Abandon();
            _unwritten[o.ToString()] = $"{o}: writing to {lake.Describe} failed: {e.Message}";
            LogCommitFailed(_log, o.ToString(), lake.Describe, e);
            await pump.RecoverAsync(staging, _ => true, CancellationToken.None).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Makes a message that failed visible again sooner than its visibility timeout, later with each receive.</summary>
    private async Task RetryLaterAsync(string queueUrl, Message message)
    {
        var attempt = Math.Clamp(ReceiveCount(message), 1, 10);
        var delay = TimeSpan.FromSeconds(Math.Min(options.Visibility.TotalSeconds, 15 * Math.Pow(2, attempt - 1)));
        try
        {
            await _retry.ExecuteAsync(
                async c => await sqs.ChangeMessageVisibilityAsync(queueUrl, message.ReceiptHandle, (int)delay.TotalSeconds, c).ConfigureAwait(false),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException)
        {
            // It comes back after its visibility timeout instead.
            LogVisibilityFailed(_log, e.Message);
        }
    }

    private async Task DeleteAsync(string queueUrl, List<Message> done)
    {
        if (done.Count == 0)
        {
            return;
        }

        try
        {
            var response = await _retry.ExecuteAsync(
                async c => await sqs.DeleteMessageBatchAsync(
                    queueUrl,
                    [.. done.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle))],
                    c).ConfigureAwait(false),
                CancellationToken.None).ConfigureAwait(false);
            var failed = response.Failed?.Count ?? 0;
            Stats.Deleted(done.Count - failed);
            foreach (var f in response.Failed ?? [])
            {
                // Delivered again and found done (same files): nothing is lost, some work is redone.
                LogDeleteFailed(_log, f.Code, f.Message);
            }
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException)
        {
            LogDeleteFailed(_log, "request", e.Message);
        }
    }

    /// <summary>A batch name from what names the object's content for good: bucket, key, and version (or entity tag).</summary>
    private static string Position(ObjectRef o, string version)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"v{TlsEventSchema.Version}|{o.Bucket}/{o.Key}|{version}"));
        return "o" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    private static DateTimeOffset? SentAt(Message m) =>
        m.Attributes is { } a && a.TryGetValue("SentTimestamp", out var sent) && long.TryParse(sent, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    private static int ReceiveCount(Message m) =>
        m.Attributes is { } a && a.TryGetValue("ApproximateReceiveCount", out var n) && int.TryParse(n, CultureInfo.InvariantCulture, out var count) ? count : 1;

    private static bool IsPermanent(AmazonSQSException e) =>
        e.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Unauthorized
        || e.ErrorCode is "AccessDenied" or "AccessDeniedException" or "InvalidClientTokenId" or "UnrecognizedClientException" or "SignatureDoesNotMatch";

    /// <summary>When the queue was last busy: a receive loop with messages in hand, or the last receive that had any.</summary>
    private sealed class Activity(TimeProvider time)
    {
        private readonly Lock _gate = new();
        private int _busy;
        private long _last = time.GetTimestamp();

        public void Begin()
        {
            lock (_gate)
            {
                _busy++;
            }
        }

        public void End()
        {
            lock (_gate)
            {
                _busy--;
                _last = time.GetTimestamp();
            }
        }

        public TimeSpan IdleFor()
        {
            lock (_gate)
            {
                return _busy > 0 ? TimeSpan.Zero : time.GetElapsedTime(_last);
            }
        }
    }

    /// <summary>Extends the visibility of a receive's messages while they are in flight, at half the timeout.</summary>
    private sealed class VisibilityKeeper : IAsyncDisposable
    {
        private readonly IAmazonSQS _sqs;
        private readonly TimeSpan _visibility;
        private readonly TimeProvider _time;
        private readonly ILogger _log;
        private readonly SqsStats _stats;
        private readonly string _queueUrl;
        private readonly ConcurrentDictionary<string, Message> _inFlight = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public VisibilityKeeper(IAmazonSQS sqs, TimeSpan visibility, TimeProvider time, ILogger log, SqsStats stats, string queueUrl, List<Message> messages)
        {
            _sqs = sqs;
            _visibility = visibility;
            _time = time;
            _log = log;
            _stats = stats;
            _queueUrl = queueUrl;
            foreach (var m in messages)
            {
                _inFlight[m.MessageId] = m;
            }

            _loop = Task.Run(RunAsync, CancellationToken.None);
        }

        /// <summary>No longer kept hidden: left to come back (for redrive or a retry).</summary>
        public void Release(Message message) => _inFlight.TryRemove(message.MessageId, out _);

        public async Task StopAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync().ConfigureAwait(false);
            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            var every = _visibility / 2;
            try
            {
                while (true)
                {
                    await Task.Delay(every, _time, _stop.Token).ConfigureAwait(false);
                    var entries = _inFlight.Values.Select((m, i) => new ChangeMessageVisibilityBatchRequestEntry
                    {
                        Id = i.ToString(CultureInfo.InvariantCulture),
                        ReceiptHandle = m.ReceiptHandle,
                        VisibilityTimeout = (int)_visibility.TotalSeconds,
                    }).ToList();
                    if (entries.Count == 0)
                    {
                        continue;
                    }

                    try
                    {
                        await _sqs.ChangeMessageVisibilityBatchAsync(_queueUrl, entries, _stop.Token).ConfigureAwait(false);
                        _stats.Extended(entries.Count);
                    }
                    catch (Exception e) when (e is AmazonServiceException or HttpRequestException)
                    {
                        LogVisibilityFailed(_log, e.Message);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The receive is done.
            }
        }
    }

    [LoggerMessage(5001, LogLevel.Information, "Reading notifications from {Queue} with {Receivers} receivers as {Worker} into {Lake}")]
    private static partial void LogStarting(ILogger logger, string queue, int receivers, string worker, string lake);

    [LoggerMessage(5002, LogLevel.Information, "{Receiver}: {Finished} staged batches of an earlier run published, {Discarded} removed")]
    private static partial void LogRecovered(ILogger logger, string receiver, int finished, int discarded);

    [LoggerMessage(5003, LogLevel.Warning, "ReceiveMessage on {Queue} failed after retries: {Reason}; trying again")]
    private static partial void LogReceiveFailed(ILogger logger, string queue, string reason);

    [LoggerMessage(5004, LogLevel.Information, "{Queue} has been empty for {Seconds} s: stopping")]
    private static partial void LogIdle(ILogger logger, string queue, double seconds);

    [LoggerMessage(5005, LogLevel.Warning, "Message {MessageId} (received {Count} times) is not a notification of new objects and is left on the queue for its redrive policy: {Reason}")]
    private static partial void LogNotNotification(ILogger logger, string messageId, int count, string reason);

    [LoggerMessage(5006, LogLevel.Debug, "Message {MessageId} names no new object ({What}): deleted")]
    private static partial void LogIgnored(ILogger logger, string messageId, string what);

    [LoggerMessage(5007, LogLevel.Warning, "Cannot read {Object}: {Reason}; its message is delivered again")]
    private static partial void LogObjectUnreadable(ILogger logger, string @object, string reason);

    [LoggerMessage(5008, LogLevel.Error, "Writing {Object} to {Lake} failed; its message is delivered again")]
    private static partial void LogCommitFailed(ILogger logger, string @object, string lake, Exception exception);

    [LoggerMessage(5009, LogLevel.Warning, "Deleting a message failed ({Code}: {Reason}); it is delivered again and found done")]
    private static partial void LogDeleteFailed(ILogger logger, string code, string reason);

    [LoggerMessage(5010, LogLevel.Warning, "Changing a message's visibility failed: {Reason}")]
    private static partial void LogVisibilityFailed(ILogger logger, string reason);
}

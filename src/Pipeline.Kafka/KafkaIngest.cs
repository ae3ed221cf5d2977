using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Sources.Streams;
using Polly;
using Polly.Retry;

namespace Pipeline.Kafka;

/// <summary>Live figures of a Kafka ingest: every stream source's (<see cref="StreamStats"/>; a partition is a stream partition) plus dead letters.</summary>
public sealed class KafkaStats : StreamStats
{
    private long _deadLettered;
    private long _dropped;

    /// <summary>Rejected messages copied to the dead-letter topic (each on its delivery report).</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Raised as each partition is assigned to this consumer (after its staging was recovered).</summary>
    public event Action<string>? PartitionAssigned;

    internal void OnAssigned(string partition) => PartitionAssigned?.Invoke(partition);

    internal void DeadLetter() => Interlocked.Increment(ref _deadLettered);

    /// <summary>Batches dropped uncommitted (offset commit or dead letters failed); each is read again from the committed offset.</summary>
    public long DroppedBatches => Interlocked.Read(ref _dropped);

    internal void Drop() => Interlocked.Increment(ref _dropped);
}

/// <summary>What a Kafka ingest did before it stopped.</summary>
/// <param name="Stats">Its figures.</param>
/// <param name="Elapsed">How long it ran.</param>
/// <param name="StoppedIdle">Whether it stopped because every partition was at its end and idle.</param>
/// <param name="Unwritten">
/// Partitions whose last batch could not be committed when the ingest stopped (offset commit or dead letters
/// failed): their messages were not written and are read again from the committed offset by the next run.
/// </param>
public sealed record KafkaResult(KafkaStats Stats, TimeSpan Elapsed, bool StoppedIdle, IReadOnlyList<string> Unwritten);

/// <summary>A Kafka error the consumer cannot go on after (fatal client error, bad configuration).</summary>
public sealed class KafkaIngestException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a Kafka topic into the lake as a member of a consumer group. Each assigned partition has its own batch
/// (a <see cref="StreamPump"/>, as every stream source); a batch is flushed by size, by age, on revocation and at shutdown: its files are
/// synced with a manifest, then the partition's offset is committed synchronously (the commit point), then the files
/// are renamed into the table. Offsets are never committed automatically. On assignment, a partition's staging is
/// recovered against its committed offset, so a consumer killed at any moment is finished by the partition's next
/// owner without loss or a second copy. A lost partition's buffers are dropped (its next owner re-reads them).
/// </summary>
public sealed partial class KafkaIngest(
    KafkaSourceOptions options, IngestOptions ingest, ILakeSink lake, TimeProvider time, ILogger<KafkaIngest>? logger = null, MemoryBudget? budget = null)
{
    private readonly MemoryBudget _budget = budget ?? MemoryBudget.FromMiB(ingest.MemoryBudgetMiB);
    private readonly FlushPolicy _policy = FlushPolicy.From(options.FlushMiB, options.FlushAge, options.UntilIdle);

    /// <summary>Offset commits refused for a passing reason are tried again; a lost membership is final for the batch.</summary>
    private readonly ResiliencePipeline _commitRetry = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<KafkaException>(e => !e.Error.IsFatal && !IsMembershipError(e.Error.Code)),
            MaxRetryAttempts = 4,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();
    private readonly ILogger _log = (ILogger?)logger ?? NullLogger.Instance;
    private readonly Dictionary<TopicPartition, StreamPump> _partitions = [];
    private readonly string _member = StagingArea.SafeName($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
    private Error? _fatal;
    private IProducer<byte[]?, byte[]?>? _deadLetters;

    /// <summary>Dead letters whose delivery report was an error, by the partition they came from.</summary>
    private readonly ConcurrentDictionary<TopicPartition, int> _deadLetterFailures = new();

    /// <summary>
    /// Batches dropped and not yet written since, by partition: the last offset they held and what the stop reports.
    /// A later commit past that offset clears the entry; what is left when the ingest stops is its Unwritten list.
    /// </summary>
    private readonly Dictionary<TopicPartition, (long Last, string Why)> _dropped = [];

    public KafkaStats Stats { get; } = new();

    /// <summary>True once the consumer joined its group and got an assignment (readiness).</summary>
    public bool Started { get; private set; }

    /// <summary>Runs the consumer on a thread of its own until <paramref name="stop"/> or, with UntilIdle, until idle.</summary>
    public Task<KafkaResult> RunAsync(CancellationToken stop) =>
        Task.Factory.StartNew(() => Run(stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private KafkaResult Run(CancellationToken stop)
    {
        var started = time.GetTimestamp();
        LogStarting(_log, options.Topic, options.Group, options.BootstrapServers, lake.Describe);
        using var consumer = BuildConsumer();
        if (options.DeadLetterTopic is not null)
        {
            _deadLetters = new ProducerBuilder<byte[]?, byte[]?>(ClientConfig(new ProducerConfig { EnableIdempotence = true, Acks = Acks.All })).Build();
        }

        consumer.Subscribe(options.Topic);
        long? quietSince = null;
        var stoppedIdle = false;
        var unwritten = new List<string>();
        var lastAgeCheck = time.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (_fatal is { } fatal)
                {
                    throw new KafkaIngestException($"Kafka consumer failed: {fatal.Code}: {fatal.Reason}");
                }

                ConsumeResult<Ignore, byte[]>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    LogTransient(_log, e.Error.Code.ToString(), e.Error.Reason);
                    continue;
                }

                if (result is not null && _partitions.TryGetValue(result.TopicPartition, out var writer))
                {
                    if (result.IsPartitionEOF)
                    {
                        _atEnd.Add(result.TopicPartition);
                        if (writer.FlushDue(caughtUp: true))
                        {
                            Commit(consumer, result.TopicPartition);
                        }

                        writer.Polled(caughtUp: true);
                    }
                    else
                    {
                        quietSince = null;
                        _atEnd.Remove(result.TopicPartition);
                        Append(writer, result);
                        writer.Polled(caughtUp: false);
                        if (writer.FlushDue(caughtUp: false))
                        {
                            Commit(consumer, result.TopicPartition);
                        }
                    }
                }

                if (time.GetElapsedTime(lastAgeCheck) >= TimeSpan.FromMilliseconds(250))
                {
                    lastAgeCheck = time.GetTimestamp();
                    foreach (var (tp, w) in _partitions.Where(p => p.Value.FlushDue(_atEnd.Contains(p.Key))).ToList())
                    {
                        Commit(consumer, tp);
                        w.Polled(_atEnd.Contains(tp));
                    }

                    // A partition assigned since gives every other one a smaller share: those over theirs flush down.
                    foreach (var w in _partitions.Values)
                    {
                        w.Relieve();
                    }
                }

                if (options.UntilIdle is { } idle)
                {
                    var quiet = Started && _partitions.Values.All(w => w.IdleSince is not null);
                    if (!quiet)
                    {
                        quietSince = null;
                    }
                    else if (time.GetElapsedTime(quietSince ??= time.GetTimestamp()) >= idle)
                    {
                        LogIdle(_log, idle.TotalSeconds);
                        stoppedIdle = true;
                        break;
                    }
                }
            }

            // Graceful: flush and commit everything, then leave the group (its revocation finds nothing left).
            foreach (var tp in _partitions.Keys.ToList())
            {
                Commit(consumer, tp);
            }

            // A batch dropped earlier and not read and written again since is as unwritten as one dropped just now.
            unwritten.AddRange(_dropped.OrderBy(d => d.Key.Topic, StringComparer.Ordinal).ThenBy(d => d.Key.Partition.Value).Select(d => d.Value.Why));

            consumer.Close();
        }
        finally
        {
            foreach (var w in _partitions.Values)
            {
                w.Dispose();
            }

            _partitions.Clear();
            _deadLetters?.Dispose();
        }

        return new KafkaResult(Stats, time.GetElapsedTime(started), stoppedIdle, unwritten);
    }

    private readonly HashSet<TopicPartition> _atEnd = [];
    private readonly Dictionary<TopicPartition, string> _inputPrefixes = [];

    private IConsumer<Ignore, byte[]> BuildConsumer()
    {
        var config = ClientConfig(new ConsumerConfig
        {
            GroupId = options.Group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
        });
        var consumerConfig = new ConsumerConfig(config.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            // Offsets move only after the files they cover are durable: never automatically.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
        return new ConsumerBuilder<Ignore, byte[]>(consumerConfig)
            .SetPartitionsAssignedHandler((c, parts) =>
            {
                foreach (var tp in parts)
                {
                    Assign(c, tp);
                }
            })
            .SetPartitionsRevokedHandler((c, parts) =>
            {
                foreach (var tpo in parts)
                {
                    Commit(c, tpo.TopicPartition);
                    Release(tpo.TopicPartition);
                }
            })
            .SetPartitionsLostHandler((_, parts) =>
            {
                foreach (var tpo in parts)
                {
                    if (_partitions.TryGetValue(tpo.TopicPartition, out var w))
                    {
                        w.Abandon();
                    }

                    LogLost(_log, tpo.TopicPartition.ToString());
                    Release(tpo.TopicPartition);
                }
            })
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                {
                    _fatal = e;
                }
                else
                {
                    LogTransient(_log, e.Code.ToString(), e.Reason);
                }
            })
            .SetLogHandler((_, m) =>
            {
                if (m.Level <= SyslogLevel.Warning)
                {
                    LogClient(_log, m.Facility, m.Message);
                }
            })
            .Build();
    }

    /// <summary>User settings over ours, with the bootstrap servers and a client ID.</summary>
    private T ClientConfig<T>(T config)
        where T : ClientConfig
    {
        config.BootstrapServers = options.BootstrapServers;
        config.ClientId = KafkaSourceOptions.ClientId;
        foreach (var (key, value) in options.Settings)
        {
            config.Set(key, value);
        }

        return config;
    }

    private void Assign(IConsumer<Ignore, byte[]> consumer, TopicPartition tp)
    {
        var committed = consumer.Committed([tp], TimeSpan.FromSeconds(30)).Single().Offset;
        var staging = PartitionStaging(tp);
        // Every assigned partition holds an equal share of the process's one memory budget.
        var writer = new StreamPump(
            lake, Path.Combine(staging, _member), $"kafka-{StagingArea.SafeName(tp.Topic)}-{tp.Partition.Value}", ingest, _policy, _budget, Stats, tp.ToString(), time, _member);
        var (finished, discarded) = InCallback(writer.RecoverAsync(staging, last => Covers(committed, last), CancellationToken.None));
        if (finished + discarded > 0)
        {
            LogRecovered(_log, tp.ToString(), finished, discarded);
        }

        if (_partitions.Remove(tp, out var previous))
        {
            previous.Dispose();
        }

        _partitions[tp] = writer;
        Stats.Hold(tp.ToString(), time.GetUtcNow());
        Stats.OnAssigned(tp.ToString());
        Started = true;
        LogAssigned(_log, tp.ToString(), committed.ToString());
    }

    private void Release(TopicPartition tp)
    {
        if (_partitions.Remove(tp, out var writer))
        {
            writer.Dispose();
        }

        _atEnd.Remove(tp);

        // Its next owner reads from the committed offset, so what this member dropped is that owner's to write.
        _dropped.Remove(tp);
        Stats.Release(tp.ToString());
    }

    private void Append(StreamPump writer, ConsumeResult<Ignore, byte[]> result)
    {
        var value = result.Message.Value ?? [];
        var position = result.Offset.Value.ToString("D20", CultureInfo.InvariantCulture);
        if (!_inputPrefixes.TryGetValue(result.TopicPartition, out var prefix))
        {
            prefix = string.Create(CultureInfo.InvariantCulture, $"kafka:{result.Topic}/{result.Partition.Value}/");
            _inputPrefixes[result.TopicPartition] = prefix;
        }

        var input = new InputContext(prefix, Suffix: result.Offset.Value.ToString(CultureInfo.InvariantCulture));
        var rejected = writer.Append(value, position, input);
        writer.PublishCounts();
        Stats.Read(1, value.Length);
        if (rejected is not null && _deadLetters is not null)
        {
            var source = result.TopicPartition;
            try
            {
                _deadLetters.Produce(options.DeadLetterTopic!, new Message<byte[]?, byte[]?>
                {
                    Key = null,
                    Value = value,
                    Headers = new Headers
                    {
                        { "pipeline-reject-reason", Encoding.UTF8.GetBytes(rejected) },
                        { "pipeline-source", Encoding.UTF8.GetBytes(input.Describe()) },
                    },
                }, report => DeadLetterDelivered(source, report));
            }
            catch (KafkaException e)
            {
                // Refused before it was queued (the topic is known to fail, the queue is full): the same as a failed delivery.
                _deadLetterFailures.AddOrUpdate(source, 1, (_, n) => n + 1);
                LogDeadLetterFailed(_log, source.ToString(), e.Error.Code.ToString(), e.Error.Reason);
            }
        }
    }

    /// <summary>A dead letter counts as written only on a delivery report without error.</summary>
    private void DeadLetterDelivered(TopicPartition source, DeliveryReport<byte[]?, byte[]?> report)
    {
        if (report.Error.IsError)
        {
            _deadLetterFailures.AddOrUpdate(source, 1, (_, n) => n + 1);
            LogDeadLetterFailed(_log, source.ToString(), report.Error.Code.ToString(), report.Error.Reason);
        }
        else
        {
            Stats.DeadLetter();
        }
    }

    /// <summary>
    /// Makes the partition's batch durable, then commits the offset after it, then publishes the files. Returns null,
    /// or what was not written when the batch had to be dropped (it is read again from the committed offset).
    /// </summary>
    private string? Commit(IConsumer<Ignore, byte[]> consumer, TopicPartition tp)
    {
        if (!_partitions.TryGetValue(tp, out var pump) || !pump.HasBatch)
        {
            return null;
        }

        PreparedBatch? staged = null;
        string? refused = null;
        try
        {
            var committed = InCallback(pump.CommitAsync((batch, _) =>
            {
                staged = batch;

                // Dead letters of the batch are delivered before its offset moves: every one acknowledged, none failed.
                if (_deadLetters is not null)
                {
                    var undelivered = _deadLetters.Flush(TimeSpan.FromSeconds(30));
                    var failed = _deadLetterFailures.TryRemove(tp, out var n) ? n : 0;
                    if (undelivered > 0 || failed > 0)
                    {
                        LogDeadLettersNotWritten(_log, tp.ToString(), failed, undelivered);
                        refused = $"{failed} dead letters failed, {undelivered} undelivered";
                        return Task.FromResult(false);
                    }
                }

                var next = long.Parse(batch.LastPosition, CultureInfo.InvariantCulture) + 1;
                _commitRetry.Execute(() => consumer.Commit([new TopicPartitionOffset(tp, next)]));
                return Task.FromResult(true);
            }, CancellationToken.None));

            if (committed is null)
            {
                return Dropped(tp, staged!, Drop(consumer, tp, pump, staged!, refused!));
            }

            var last = long.Parse(committed.LastPosition, CultureInfo.InvariantCulture);
            if (_dropped.TryGetValue(tp, out var dropped) && last >= dropped.Last)
            {
                _dropped.Remove(tp);
            }

            LogCommitted(_log, tp.ToString(), long.Parse(committed.LastPosition, CultureInfo.InvariantCulture) + 1, committed.Messages, committed.Files);
            return null;
        }
        catch (KafkaException e) when (staged is not null)
        {
            // Whether the offset moved is not known: the staged batch is resolved against the committed offset.
            LogCommitFailed(_log, tp.ToString(), e.Error.Code.ToString(), e.Error.Reason);
            return Dropped(tp, staged, Drop(consumer, tp, pump, staged, $"offset commit failed: {e.Error.Code}"));
        }
    }

    /// <summary>Remembers a dropped batch until a later commit covers it (null: the drop found it written after all).</summary>
    private string? Dropped(TopicPartition tp, PreparedBatch batch, string? why)
    {
        if (why is not null)
        {
            var last = long.Parse(batch.LastPosition, CultureInfo.InvariantCulture);
            _dropped[tp] = (_dropped.TryGetValue(tp, out var before) ? Math.Max(before.Last, last) : last, why);
            Stats.Drop();
        }

        return why;
    }

    /// <summary>
    /// Waits for the sink on the consumer's own thread. librdkafka calls the assignment and revocation handlers
    /// synchronously, and a revoked partition's batch must be committed before its handler returns, so the consumer
    /// loop is synchronous; it runs on a thread of its own with no synchronization context, so waiting cannot deadlock.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0030:Do not use banned APIs", Justification = "librdkafka's callbacks are synchronous; see the summary.")]
    private static T InCallback<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static bool IsMembershipError(ErrorCode code) =>
        code is ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress or ErrorCode.FencedMemberEpoch or ErrorCode.StaleMemberEpoch;

    /// <summary>
    /// The offset did not move (or may not have): reading resumes at the committed offset (here or at the
    /// partition's next owner), and a batch left staged is published only when that offset covers it.
    /// </summary>
    private string? Drop(IConsumer<Ignore, byte[]> consumer, TopicPartition tp, StreamPump pump, PreparedBatch batch, string why)
    {
        var committed = Offset.Unset;
        try
        {
            committed = consumer.Committed([tp], TimeSpan.FromSeconds(30)).Single().Offset;
            consumer.Seek(new TopicPartitionOffset(tp, committed == Offset.Unset ? Offset.Beginning : committed));
        }
        catch (KafkaException e)
        {
            // Not assigned any more (revoked or lost): its next owner starts at the committed offset and recovers the staging.
            LogTransient(_log, e.Error.Code.ToString(), e.Error.Reason);
            return Unwritten(tp, batch, why, "the committed offset");
        }

        var (finished, _) = InCallback(pump.RecoverAsync(PartitionStaging(tp), last => Covers(committed, last), CancellationToken.None));
        return finished > 0 ? null : Unwritten(tp, batch, why, committed == Offset.Unset ? "the start" : $"offset {committed.Value.ToString(CultureInfo.InvariantCulture)}");
    }

    private static string Unwritten(TopicPartition tp, PreparedBatch batch, string why, string from) =>
        string.Create(CultureInfo.InvariantCulture, $"{tp}: {batch.Messages} messages up to offset {batch.LastPosition.TrimStart('0')} not written ({why}); read again from {from}");

    /// <summary>Whether the committed offset covers a batch ending at <paramref name="last"/> (the offset is the next one to read).</summary>
    private static bool Covers(Offset committed, string last) => committed != Offset.Unset && long.Parse(last, CultureInfo.InvariantCulture) < committed.Value;

    private string PartitionStaging(TopicPartition tp) =>
        Path.Combine(lake.Local.StagingDirectory, "kafka", StagingArea.SafeName(tp.Topic), tp.Partition.Value.ToString(CultureInfo.InvariantCulture));

    [LoggerMessage(4001, LogLevel.Information, "Reading topic {Topic} as group {Group} from {Brokers} into {Lake}")]
    private static partial void LogStarting(ILogger logger, string topic, string group, string brokers, string lake);

    [LoggerMessage(4002, LogLevel.Information, "Partition {Partition} assigned (committed offset {Offset})")]
    private static partial void LogAssigned(ILogger logger, string partition, string offset);

    [LoggerMessage(4003, LogLevel.Warning, "Partition {Partition} lost; its buffered messages are left to its next owner")]
    private static partial void LogLost(ILogger logger, string partition);

    [LoggerMessage(4004, LogLevel.Debug, "Partition {Partition}: committed offset {Offset} after {Messages} messages, {Files} files")]
    private static partial void LogCommitted(ILogger logger, string partition, long offset, int messages, int files);

    [LoggerMessage(4005, LogLevel.Warning, "Partition {Partition}: offset commit failed ({Code}: {Reason}); the batch is dropped and re-read from the committed offset")]
    private static partial void LogCommitFailed(ILogger logger, string partition, string code, string reason);

    [LoggerMessage(4006, LogLevel.Warning, "Kafka: {Code}: {Reason}; retrying")]
    private static partial void LogTransient(ILogger logger, string code, string reason);

    [LoggerMessage(4007, LogLevel.Information, "Partition {Partition}: staging recovered ({Finished} committed batches finished, {Discarded} files discarded)")]
    private static partial void LogRecovered(ILogger logger, string partition, int finished, int discarded);

    [LoggerMessage(4008, LogLevel.Information, "Every partition at its end and idle for {Seconds} s: stopping")]
    private static partial void LogIdle(ILogger logger, double seconds);

    [LoggerMessage(4010, LogLevel.Error, "Partition {Partition}: dead letter not written ({Code}: {Reason})")]
    private static partial void LogDeadLetterFailed(ILogger logger, string partition, string code, string reason);

    [LoggerMessage(4011, LogLevel.Error, "Partition {Partition}: {Failed} dead letters failed and {Undelivered} are undelivered; the batch is dropped and re-read from the committed offset")]
    private static partial void LogDeadLettersNotWritten(ILogger logger, string partition, int failed, int undelivered);

    [LoggerMessage(4009, LogLevel.Debug, "librdkafka {Facility}: {Message}")]
    private static partial void LogClient(ILogger logger, string facility, string message);
}

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
/// Reads a Kafka topic into the lake as a member of a consumer group. The consumer's partitions share one batch
/// (a shared <see cref="StreamPump"/>), so that each lake partition gets one file per flush, however many Kafka
/// partitions the consumer holds. A batch is flushed by size, by age, on revocation and at shutdown: its files are
/// synced with a manifest naming each partition's last offset, then the offsets of all its partitions are committed
/// in one synchronous OffsetCommit (the commit point; the group coordinator writes them together), then the files
/// are renamed into the table. Offsets are never committed automatically. On assignment, every batch any member left
/// staged that holds the partition is resolved against the committed offsets before the partition is read, so a
/// consumer killed at any moment is finished by its partitions' next owners without loss or a second copy. When a
/// partition is lost, or a batch cannot be committed, the whole batch is dropped and its other partitions are read
/// again from where it began.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The pump lives for one run and is disposed when the run ends.")]
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
    private readonly string _member = StagingArea.SafeName($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");

    /// <summary>The partitions assigned to this consumer, each with its name in batches and stats and its input prefix.</summary>
    private readonly Dictionary<TopicPartition, (string Name, string Prefix)> _assigned = [];
    private readonly HashSet<TopicPartition> _atEnd = [];

    /// <summary>Partitions of a batch dropped in a callback, to be read again from where it began once the callback returned.</summary>
    private readonly List<TopicPartitionOffset> _rewind = [];
    private StreamPump? _pump;
    private Error? _fatal;
    private IProducer<byte[]?, byte[]?>? _deadLetters;

    /// <summary>Dead letters whose delivery report was an error since the last commit (each belongs to the open batch or a dropped one).</summary>
    private int _deadLetterFailures;

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

    /// <summary>Where each member stages its batches: a folder per member.</summary>
    private string MembersStaging => Path.Combine(lake.Local.StagingDirectory, "kafka", StagingArea.SafeName(options.Topic), "members");

    /// <summary>A member's staging folder with no batch and nothing written for this long belongs to a member that died.</summary>
    private TimeSpan AbandonedAfter => TimeSpan.FromHours(1) + (2 * options.FlushAge);

    private KafkaResult Run(CancellationToken stop)
    {
        var started = time.GetTimestamp();
        LogStarting(_log, options.Topic, options.Group, options.BootstrapServers, lake.Describe);

        // One batch and one share of the memory budget for every partition this consumer holds.
        _pump = new StreamPump(
            lake, Path.Combine(MembersStaging, _member), $"kafka-{StagingArea.SafeName(options.Topic)}", ingest, _policy, _budget, Stats, _member, time, _member, shared: true);
        using var consumer = BuildConsumer();
        if (options.DeadLetterTopic is not null)
        {
            _deadLetters = new ProducerBuilder<byte[]?, byte[]?>(ClientConfig(options, new ProducerConfig { EnableIdempotence = true, Acks = Acks.All })).Build();
        }

        consumer.Subscribe(options.Topic);
        long? quietSince = null;
        var stoppedIdle = false;
        var unwritten = new List<string>();
        var lastAgeCheck = time.GetTimestamp();
        var closed = false;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (_fatal is { } fatal)
                {
                    throw new KafkaIngestException($"Kafka consumer failed: {fatal.Code}: {fatal.Reason}");
                }

                ConsumeResult<Ignore, ReadOnlyMemory<byte>>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    LogTransient(_log, e.Error.Code.ToString(), e.Error.Reason);
                    continue;
                }

                if (Rewind(consumer, result?.TopicPartition))
                {
                    // The message is of a partition just sent back to where a dropped batch began.
                    result = null;
                }

                if (result is not null && _assigned.TryGetValue(result.TopicPartition, out var partition))
                {
                    if (result.IsPartitionEOF)
                    {
                        _atEnd.Add(result.TopicPartition);
                        if (_pump.FlushDue(AllAtEnd))
                        {
                            Commit(consumer);
                        }
                    }
                    else
                    {
                        quietSince = null;
                        _atEnd.Remove(result.TopicPartition);
                        Append(partition, result);
                        if (_pump.FlushDue(caughtUp: false))
                        {
                            Commit(consumer);
                        }
                    }
                }

                if (time.GetElapsedTime(lastAgeCheck) >= TimeSpan.FromMilliseconds(250))
                {
                    lastAgeCheck = time.GetTimestamp();
                    if (_pump.FlushDue(AllAtEnd))
                    {
                        Commit(consumer);
                    }

                    _pump.Relieve();
                }

                if (options.UntilIdle is { } idle)
                {
                    var quiet = Started && AllAtEnd && !_pump.HasBatch;
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
            Commit(consumer);

            // A batch dropped earlier and not read and written again since is as unwritten as one dropped just now.
            unwritten.AddRange(_dropped.OrderBy(d => d.Key.Topic, StringComparer.Ordinal).ThenBy(d => d.Key.Partition.Value).Select(d => d.Value.Why));

            consumer.Close();
            closed = true;
        }
        finally
        {
            // Failed: the open batch is dropped, and the consumer still leaves its group, so that its partitions go
            // to other members now rather than after the session times out (their revocation finds no batch).
            _pump.Dispose();
            if (!closed)
            {
                LeaveAfterFailure(consumer);
            }

            _assigned.Clear();
            _deadLetters?.Dispose();
        }

        return new KafkaResult(Stats, time.GetElapsedTime(started), stoppedIdle, unwritten);
    }

    private void LeaveAfterFailure(IConsumer<Ignore, ReadOnlyMemory<byte>> consumer)
    {
        try
        {
            consumer.Close();
        }
        catch (KafkaException e)
        {
            LogTransient(_log, e.Error.Code.ToString(), e.Error.Reason);
        }
    }

    /// <summary>Every assigned partition read to its end (at least one assigned).</summary>
    private bool AllAtEnd => _assigned.Count > 0 && _assigned.Keys.All(_atEnd.Contains);

    /// <summary>librdkafka's prefetch queue we ask for, in KiB (its own default: 64 MiB).</summary>
    internal const int QueuedMaxKiB = 8 * 1024;

    /// <summary>How soon a partition whose prefetch is full is fetched again, in ms (librdkafka's default: 1 s).</summary>
    internal const int FetchQueueBackoffMs = 20;

    /// <summary>
    /// The consumer's settings: ours, the user's over them, and then those no user setting may change (offsets move
    /// only after the files they cover are durable: never automatically).
    /// </summary>
    internal static ConsumerConfig ConsumerSettings(KafkaSourceOptions options)
    {
        var config = ClientConfig(options, new ConsumerConfig
        {
            GroupId = options.Group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            // A smaller prefetch than librdkafka's 64 MiB of decompressed batches, refilled sooner: ~70 MiB less RSS
            // and no less throughput (bench/RESULTS.md, "librdkafka's prefetch queue"). The short backoff keeps a
            // small queue from stalling a partition for librdkafka's default second.
            QueuedMaxMessagesKbytes = QueuedMaxKiB,
            FetchQueueBackoffMs = FetchQueueBackoffMs,
        });
        return new ConsumerConfig(config.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
    }

    private IConsumer<Ignore, ReadOnlyMemory<byte>> BuildConsumer()
    {
        return new ConsumerBuilder<Ignore, ReadOnlyMemory<byte>>(ConsumerSettings(options))
            .SetValueDeserializer(new ReusedValueBuffer())
            .SetPartitionsAssignedHandler((c, parts) =>
            {
                foreach (var tp in parts)
                {
                    Assign(c, tp);
                }
            })
            .SetPartitionsRevokedHandler((c, parts) =>
            {
                // The batch holds the revoked partitions and maybe others: all of it is committed before any goes.
                Commit(c);
                foreach (var tpo in parts)
                {
                    Release(tpo.TopicPartition);
                }
            })
            .SetPartitionsLostHandler((_, parts) => Lost([.. parts.Select(p => p.TopicPartition)]))
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
    private static T ClientConfig<T>(KafkaSourceOptions options, T config)
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

    /// <summary>A partition's name in shared batches' manifests and in the stats: <c>topic/partition</c>.</summary>
    private static string NameOf(TopicPartition tp) => string.Create(CultureInfo.InvariantCulture, $"{tp.Topic}/{tp.Partition.Value}");

    /// <summary>The partition a name of <see cref="NameOf"/> stands for.</summary>
    private static TopicPartition PartitionOf(string name)
    {
        var slash = name.LastIndexOf('/');
        return new TopicPartition(name[..slash], new Partition(int.Parse(name.AsSpan(slash + 1), CultureInfo.InvariantCulture)));
    }

    private void Assign(IConsumer<Ignore, ReadOnlyMemory<byte>> consumer, TopicPartition tp)
    {
        var committed = consumer.Committed([tp], TimeSpan.FromSeconds(30)).Single().Offset;
        var name = NameOf(tp);

        // Batches of this partition alone, as members staged them before batches were shared.
        int finished = 0, discarded = 0;
        var staging = PartitionStaging(tp);
        if (lake.IsObjectStore || Directory.Exists(staging))
        {
            using var legacy = new StreamPump(
                lake, Path.Combine(staging, _member), $"kafka-{StagingArea.SafeName(tp.Topic)}-{tp.Partition.Value}", ingest, _policy, _budget, Stats, name, time, _member);
            (finished, discarded) = InCallback(legacy.RecoverAsync(staging, last => Covers(committed, last), CancellationToken.None));
        }

        // Shared batches of any member that hold this partition, before anyone reads it past them: each is published
        // when the committed offset of any of its partitions covers it (they were committed together), else removed.
        var shared = InCallback(_pump!.ResolveAsync(
            MembersStaging,
            partitions => ValueTask.FromResult(partitions.ContainsKey(name) ? (AnyCovered(consumer, partitions) ? StagedDecision.Publish : StagedDecision.Discard) : StagedDecision.Keep),
            AbandonedAfter,
            CancellationToken.None));
        finished += shared.Finished;
        discarded += shared.Discarded;
        if (finished + discarded > 0)
        {
            LogRecovered(_log, tp.ToString(), finished, discarded);
        }

        _assigned[tp] = (name, string.Create(CultureInfo.InvariantCulture, $"kafka:{tp.Topic}/{tp.Partition.Value}/"));
        _atEnd.Remove(tp);
        Stats.Hold(name, time.GetUtcNow());
        Stats.OnAssigned(name);
        Started = true;
        LogAssigned(_log, tp.ToString(), committed.ToString());
    }

    /// <summary>Whether the committed offset of any of a staged batch's partitions covers the batch.</summary>
    private static bool AnyCovered(IConsumer<Ignore, ReadOnlyMemory<byte>> consumer, IReadOnlyDictionary<string, string> partitions)
    {
        var committed = consumer.Committed([.. partitions.Keys.Select(PartitionOf)], TimeSpan.FromSeconds(30));
        return committed.Any(c => Covers(c.Offset, partitions[NameOf(c.TopicPartition)]));
    }

    private void Release(TopicPartition tp)
    {
        if (_assigned.Remove(tp, out var partition))
        {
            Stats.Release(partition.Name);
        }

        _atEnd.Remove(tp);
        _rewind.RemoveAll(r => r.TopicPartition == tp);

        // Its next owner reads from the committed offset, so what this member dropped is that owner's to write.
        _dropped.Remove(tp);
    }

    /// <summary>
    /// Lost partitions (the member was fenced): the batch holding them is dropped whole, their next owners read them
    /// from the committed offsets, and this consumer reads its other partitions of the batch again from where it began.
    /// </summary>
    private void Lost(IReadOnlyList<TopicPartition> lost)
    {
        var open = _pump!.OpenPartitions.ToList();
        _pump.Abandon();
        foreach (var tp in lost)
        {
            LogLost(_log, tp.ToString());
            Release(tp);
        }

        foreach (var (name, span) in open)
        {
            var tp = PartitionOf(name);
            if (_assigned.ContainsKey(tp))
            {
                _rewind.Add(new TopicPartitionOffset(tp, long.Parse(span.First, CultureInfo.InvariantCulture)));
            }
        }
    }

    /// <summary>Seeks the partitions of a batch dropped in a callback back to where it began; true when <paramref name="consumed"/> is one of them.</summary>
    private bool Rewind(IConsumer<Ignore, ReadOnlyMemory<byte>> consumer, TopicPartition? consumed)
    {
        if (_rewind.Count == 0)
        {
            return false;
        }

        var hit = false;
        foreach (var tpo in _rewind)
        {
            hit |= tpo.TopicPartition == consumed;
            Seek(consumer, tpo);
        }

        _rewind.Clear();
        return hit;
    }

    private void Seek(IConsumer<Ignore, ReadOnlyMemory<byte>> consumer, TopicPartitionOffset tpo)
    {
        try
        {
            consumer.Seek(tpo);
            _atEnd.Remove(tpo.TopicPartition);
        }
        catch (KafkaException e)
        {
            // Not assigned any more: its next owner starts at the committed offset.
            LogTransient(_log, e.Error.Code.ToString(), e.Error.Reason);
        }
    }

    private void Append((string Name, string Prefix) partition, ConsumeResult<Ignore, ReadOnlyMemory<byte>> result)
    {
        var value = result.Message.Value;
        var position = result.Offset.Value.ToString("D20", CultureInfo.InvariantCulture);
        var input = new InputContext(partition.Prefix, Suffix: result.Offset.Value.ToString(CultureInfo.InvariantCulture));
        var rejected = _pump!.Append(value.Span, partition.Name, position, input);
        _pump.PublishCounts();
        Stats.Read(1, value.Length);
        if (rejected is not null && _deadLetters is not null)
        {
            var source = result.TopicPartition;
            try
            {
                _deadLetters.Produce(options.DeadLetterTopic!, new Message<byte[]?, byte[]?>
                {
                    Key = null,
                    Value = value.ToArray(),
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
                Interlocked.Increment(ref _deadLetterFailures);
                LogDeadLetterFailed(_log, source.ToString(), e.Error.Code.ToString(), e.Error.Reason);
            }
        }
    }

    /// <summary>A dead letter counts as written only on a delivery report without error.</summary>
    private void DeadLetterDelivered(TopicPartition source, DeliveryReport<byte[]?, byte[]?> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _deadLetterFailures);
            LogDeadLetterFailed(_log, source.ToString(), report.Error.Code.ToString(), report.Error.Reason);
        }
        else
        {
            Stats.DeadLetter();
        }
    }

    /// <summary>
    /// Makes the open batch durable, then commits the offsets after it of all its partitions at once, then publishes
    /// the files. Returns null, or what was not written when the batch had to be dropped (it is read again from the
    /// committed offsets).
    /// </summary>
    private string? Commit(IConsumer<Ignore, ReadOnlyMemory<byte>> consumer)
    {
        if (_pump is not { HasBatch: true } pump)
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

                // Dead letters of the batch are delivered before its offsets move: every one acknowledged, none failed.
                if (_deadLetters is not null)
                {
                    var undelivered = _deadLetters.Flush(TimeSpan.FromSeconds(30));
                    var failed = Interlocked.Exchange(ref _deadLetterFailures, 0);
                    if (undelivered > 0 || failed > 0)
                    {
                        LogDeadLettersNotWritten(_log, Describe(batch), failed, undelivered);
                        refused = $"{failed} dead letters failed, {undelivered} undelivered";
                        return Task.FromResult(false);
                    }
                }

                var offsets = batch.Partitions!.Select(p => new TopicPartitionOffset(PartitionOf(p.Key), long.Parse(p.Value.Last, CultureInfo.InvariantCulture) + 1)).ToList();
                _commitRetry.Execute(() => consumer.Commit(offsets));
                return Task.FromResult(true);
            }, CancellationToken.None));

            if (committed is null)
            {
                // Refused: the pump removed the staged batch.
                return Drop(consumer, staged!, refused!, settled: true);
            }

            foreach (var (name, span) in committed.Partitions!)
            {
                var tp = PartitionOf(name);
                if (_dropped.TryGetValue(tp, out var dropped) && long.Parse(span.Last, CultureInfo.InvariantCulture) >= dropped.Last)
                {
                    _dropped.Remove(tp);
                }
            }

            LogCommitted(_log, committed.Partitions.Count, committed.Messages, committed.Files);
            return null;
        }
        catch (KafkaException e) when (staged is not null)
        {
            // Whether the offsets moved is not known: the staged batch is resolved against the committed offsets.
            LogCommitFailed(_log, Describe(staged), e.Error.Code.ToString(), e.Error.Reason);
            return Drop(consumer, staged, $"offset commit failed: {e.Error.Code}", settled: false);
        }
    }

    private static string Describe(PreparedBatch batch) => string.Join(", ", batch.Partitions!.Keys.Order(StringComparer.Ordinal));

    /// <summary>
    /// The batch's offsets did not move (or may not have). Unless <paramref name="settled"/>, the staged batch is
    /// published when a committed offset covers it (and the offsets of its other partitions still held are committed
    /// after it) or removed; the partitions it holds are read again from their committed offsets, here or by their next owners.
    /// </summary>
    private string? Drop(IConsumer<Ignore, ReadOnlyMemory<byte>> consumer, PreparedBatch batch, string why, bool settled)
    {
        var spans = batch.Partitions!;
        List<TopicPartitionOffset> committed;
        try
        {
            committed = consumer.Committed([.. spans.Keys.Select(PartitionOf)], TimeSpan.FromSeconds(30));
        }
        catch (KafkaException e)
        {
            // Not known now: the staged batch is left for the partitions' next owners, who resolve it before reading.
            LogTransient(_log, e.Error.Code.ToString(), e.Error.Reason);
            return Unwritten(batch, why, _ => "the committed offset");
        }

        var covered = !settled && committed.Any(c => Covers(c.Offset, spans[NameOf(c.TopicPartition)].Last));
        if (!settled)
        {
            InCallback(SettleAsync(batch, covered));
        }

        if (covered)
        {
            // Written after all: the partitions whose offsets did not move (and are still held) move now, else they are read twice.
            var behind = committed
                .Where(c => !Covers(c.Offset, spans[NameOf(c.TopicPartition)].Last) && _assigned.ContainsKey(c.TopicPartition))
                .Select(c => new TopicPartitionOffset(c.TopicPartition, long.Parse(spans[NameOf(c.TopicPartition)].Last, CultureInfo.InvariantCulture) + 1))
                .ToList();
            try
            {
                if (behind.Count > 0)
                {
                    consumer.Commit(behind);
                }
            }
            catch (KafkaException e)
            {
                LogCommitFailed(_log, string.Join(", ", behind.Select(b => NameOf(b.TopicPartition))), e.Error.Code.ToString(), e.Error.Reason);
                foreach (var c in committed.Where(c => behind.Any(b => b.TopicPartition == c.TopicPartition)))
                {
                    Seek(consumer, new TopicPartitionOffset(c.TopicPartition, c.Offset == Offset.Unset ? Offset.Beginning : c.Offset));
                }
            }

            return null;
        }

        foreach (var c in committed.Where(c => _assigned.ContainsKey(c.TopicPartition)))
        {
            Seek(consumer, new TopicPartitionOffset(c.TopicPartition, c.Offset == Offset.Unset ? Offset.Beginning : c.Offset));
        }

        var from = committed.ToDictionary(c => NameOf(c.TopicPartition), c => c.Offset);
        return Unwritten(batch, why, name => from[name] == Offset.Unset ? "the start" : $"offset {from[name].Value.ToString(CultureInfo.InvariantCulture)}");
    }

    private Task SettleAsync(PreparedBatch batch, bool committed) => _pump!.SettleAsync(batch, committed, CancellationToken.None);

    /// <summary>Remembers each partition of a dropped batch until a later commit covers it; returns what the stop reports.</summary>
    private string Unwritten(PreparedBatch batch, string why, Func<string, string> from)
    {
        var lines = new List<string>();
        foreach (var (name, span) in batch.Partitions!.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var tp = PartitionOf(name);
            var last = long.Parse(span.Last, CultureInfo.InvariantCulture);
            var line = string.Create(
                CultureInfo.InvariantCulture, $"{tp}: {span.Messages} messages up to offset {last} not written ({why}); read again from {from(name)}");
            _dropped[tp] = (_dropped.TryGetValue(tp, out var before) ? Math.Max(before.Last, last) : last, line);
            lines.Add(line);
        }

        Stats.Drop();
        return string.Join("; ", lines);
    }

    /// <summary>
    /// Waits for the sink on the consumer's own thread. librdkafka calls the assignment and revocation handlers
    /// synchronously, and a revoked partition's batch must be committed before its handler returns, so the consumer
    /// loop is synchronous; it runs on a thread of its own with no synchronization context, so waiting cannot deadlock.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0030:Do not use banned APIs", Justification = "librdkafka's callbacks are synchronous; see the summary.")]
    private static T InCallback<T>(Task<T> task) => task.GetAwaiter().GetResult();

    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0030:Do not use banned APIs", Justification = "librdkafka's callbacks are synchronous; see InCallback<T>.")]
    private static void InCallback(Task task) => task.GetAwaiter().GetResult();

    private static bool IsMembershipError(ErrorCode code) =>
        code is ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress or ErrorCode.FencedMemberEpoch or ErrorCode.StaleMemberEpoch;

    /// <summary>Whether the committed offset covers a batch ending at <paramref name="last"/> (the offset is the next one to read).</summary>
    private static bool Covers(Offset committed, string last) => committed != Offset.Unset && long.Parse(last, CultureInfo.InvariantCulture) < committed.Value;

    /// <summary>Where members staged a partition's batches before batches were shared (a folder per member in it).</summary>
    private string PartitionStaging(TopicPartition tp) =>
        Path.Combine(lake.Local.StagingDirectory, "kafka", StagingArea.SafeName(tp.Topic), tp.Partition.Value.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Message values copied into one buffer that the next message reuses, instead of a new array per message:
    /// each message is decoded before the next is consumed, and a dead letter takes a copy of its own.
    /// </summary>
    private sealed class ReusedValueBuffer : IDeserializer<ReadOnlyMemory<byte>>
    {
        private byte[] _buffer = new byte[64 * 1024];

        public ReadOnlyMemory<byte> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            if (data.Length > _buffer.Length)
            {
                _buffer = new byte[(int)Math.Min(Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)data.Length))];
            }

            data.CopyTo(_buffer);
            return _buffer.AsMemory(0, data.Length);
        }
    }

    [LoggerMessage(4001, LogLevel.Information, "Reading topic {Topic} as group {Group} from {Brokers} into {Lake}")]
    private static partial void LogStarting(ILogger logger, string topic, string group, string brokers, string lake);

    [LoggerMessage(4002, LogLevel.Information, "Partition {Partition} assigned (committed offset {Offset})")]
    private static partial void LogAssigned(ILogger logger, string partition, string offset);

    [LoggerMessage(4003, LogLevel.Warning, "Partition {Partition} lost; its buffered messages are left to its next owner")]
    private static partial void LogLost(ILogger logger, string partition);

    [LoggerMessage(4004, LogLevel.Debug, "Committed the offsets of {Partitions} partitions after {Messages} messages, {Files} files")]
    private static partial void LogCommitted(ILogger logger, int partitions, int messages, int files);

    [LoggerMessage(4005, LogLevel.Warning, "Partitions {Partition}: offset commit failed ({Code}: {Reason}); the batch is resolved against the committed offsets")]
    private static partial void LogCommitFailed(ILogger logger, string partition, string code, string reason);

    [LoggerMessage(4006, LogLevel.Warning, "Kafka: {Code}: {Reason}; retrying")]
    private static partial void LogTransient(ILogger logger, string code, string reason);

    [LoggerMessage(4007, LogLevel.Information, "Partition {Partition}: staging recovered ({Finished} committed batches finished, {Discarded} files discarded)")]
    private static partial void LogRecovered(ILogger logger, string partition, int finished, int discarded);

    [LoggerMessage(4008, LogLevel.Information, "Every partition at its end and idle for {Seconds} s: stopping")]
    private static partial void LogIdle(ILogger logger, double seconds);

    [LoggerMessage(4010, LogLevel.Error, "Partition {Partition}: dead letter not written ({Code}: {Reason})")]
    private static partial void LogDeadLetterFailed(ILogger logger, string partition, string code, string reason);

    [LoggerMessage(4011, LogLevel.Error, "Partitions {Partition}: {Failed} dead letters failed and {Undelivered} are undelivered; the batch is dropped and re-read from the committed offsets")]
    private static partial void LogDeadLettersNotWritten(ILogger logger, string partition, int failed, int undelivered);

    [LoggerMessage(4009, LogLevel.Debug, "librdkafka {Facility}: {Message}")]
    private static partial void LogClient(ILogger logger, string facility, string message);
}

using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Ingest;
using Pipeline.Kinesis.Client;
using Pipeline.Kinesis.Leases;
using Pipeline.Lake;
using Pipeline.Parquet;
using Pipeline.Sources.Streams;

namespace Pipeline.Kinesis.Consumer;

/// <summary>How a shard's reading ended.</summary>
internal enum ShardOutcome
{
    /// <summary>The shard is closed and was read and checkpointed to its end.</summary>
    Ended,

    /// <summary>Stopped on request after flushing and checkpointing what was read.</summary>
    Stopped,

    /// <summary>Another worker holds the lease now; nothing after the last checkpoint was published.</summary>
    LeaseLost,
}

/// <summary>The lease could not be used to checkpoint: another worker took the shard.</summary>
internal sealed class LeaseLostException(string shardId) : Exception($"lease of {shardId} lost");

/// <summary>What every shard reader of one stream ingest shares.</summary>
internal sealed record StreamContext(
    KinesisClient Client,
    StreamRef Stream,
    KinesisSourceOptions Options,
    IngestOptions Ingest,
    ILeaseStore Store,
    string Owner,
    ILakeSink Lake,
    KinesisStats Stats,
    TimeProvider Time,
    ILogger Log,
    MemoryBudget Budget)
{
    /// <summary>Staging of one shard; each owner stages in its own folder so a stale owner never touches a new one's files.</summary>
    public string ShardStaging(string shardId) =>
        Path.Combine(Lake.Local.StagingDirectory, "kinesis", Stream.DisplayName, shardId);
}

/// <summary>
/// Reads one shard from its checkpoint into the lake. Records are decoded as they arrive into the shard's partition
/// buffers; a batch is flushed by size, by age, when the shard ends and at shutdown. A flush writes the batch's
/// Parquet files to staging and syncs them with a manifest, then moves the checkpoint (a conditional write on the
/// lease: the commit point), then renames the files into the table. File names derive from the shard and the
/// batch's first sequence number, so a batch redone after a crash rewrites the same names.
/// </summary>
internal sealed class ShardConsumer(StreamContext context, ShardLease lease) : IDisposable
{
    private readonly string _shardId = lease.ShardId;
    private readonly StreamPump _pump = new(
        context.Lake,
        Path.Combine(context.ShardStaging(lease.ShardId), StagingArea.SafeName(context.Owner)),
        $"kinesis-{context.Stream.DisplayName}-{lease.ShardId}",
        context.Ingest,
        FlushPolicy.From(context.Options.FlushMiB, context.Options.FlushAge, context.Options.UntilIdle),
        context.Budget,
        context.Stats,
        lease.ShardId,
        context.Time,
        context.Owner);
    private readonly string _inputPrefix = $"kinesis:{context.Stream.DisplayName}/{lease.ShardId}/";
    private string? _checkpoint = lease.Checkpoint;
    private string? _lastRead;

    /// <summary>When the shard was last seen caught up with nothing buffered, or null while it has work.</summary>
    public DateTimeOffset? IdleSince => _pump.IdleSince;

    public string ShardId => _shardId;

    /// <summary>Reads until the shard ends, <paramref name="stop"/> asks for a graceful stop, or <paramref name="abort"/> (lease lost).</summary>
    public async Task<ShardOutcome> RunAsync(CancellationToken stop, CancellationToken abort)
    {
        await RecoverAsync(abort).ConfigureAwait(false);
        context.Stats.Shard(_shardId, "taken");
        context.Stats.Hold(_shardId, context.Time.GetUtcNow());
        try
        {
            return await ReadAsync(stop, abort).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            context.Stats.Shard(_shardId, "lost");
            Log.LeaseLost(context.Log, _shardId);
            return ShardOutcome.LeaseLost;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            context.Stats.Shard(_shardId, "lost");
            Log.LeaseLost(context.Log, _shardId);
            return ShardOutcome.LeaseLost;
        }
        finally
        {
            context.Stats.Release(_shardId);
            _pump.Dispose();
        }
    }

    private async Task<ShardOutcome> ReadAsync(CancellationToken stop, CancellationToken abort)
    {
        var options = context.Options;
        var iterator = await AcquireIteratorAsync(abort).ConfigureAwait(false);
        var failures = 0;
        while (true)
        {
            if (stop.IsCancellationRequested)
            {
                await CommitAsync(ended: false, abort).ConfigureAwait(false);
                return ShardOutcome.Stopped;
            }

            var called = context.Time.GetTimestamp();
            GetRecordsResponse response;
            try
            {
                response = await context.Client.GetRecordsAsync(iterator, options.GetRecordsLimit, abort).ConfigureAwait(false);
                failures = 0;
            }
            catch (KinesisException e) when (e.ErrorCode == KinesisErrors.ExpiredIterator)
            {
                context.Stats.IteratorExpired();
                iterator = await AcquireIteratorAsync(abort).ConfigureAwait(false);
                Log.IteratorExpired(context.Log, _shardId, _lastRead ?? _checkpoint ?? "start");
                continue;
            }
            catch (KinesisException e) when (e.IsRetryable)
            {
                // The client already retried with backoff; keep the shard, wait longer and go on.
                if (e.IsThrottling)
                {
                    context.Stats.ThrottledOnce();
                }

                Log.ShardRetry(context.Log, _shardId, e.Message);
                await DelayAsync(Backoff.Jittered(++failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), stop, abort).ConfigureAwait(false);
                continue;
            }

            context.Stats.Answered();
            if (response.MillisBehindLatest is { } behind)
            {
                context.Stats.MillisBehindLatest[_shardId] = behind;
            }

            var count = response.Records.Count;
            using (response)
            {
                // The payloads live in the answer's pooled buffer: decoded here, before it goes back.
                if (count > 0)
                {
                    Append(response.Records);
                }
            }

            if (response.NextShardIterator is null)
            {
                await CommitAsync(ended: true, abort).ConfigureAwait(false);
                Log.ShardEnded(context.Log, _shardId);
                context.Stats.EndedShards[_shardId] = 0;
                context.Stats.Shard(_shardId, "ended");
                return ShardOutcome.Ended;
            }

            iterator = response.NextShardIterator;
            _pump.Relieve();
            var caughtUp = count == 0 && response.MillisBehindLatest is null or 0;
            if (_pump.FlushDue(caughtUp))
            {
                await CommitAsync(ended: false, abort).ConfigureAwait(false);
            }

            _pump.Polled(caughtUp);

            var wait = (caughtUp ? options.IdlePollInterval : options.PollInterval) - context.Time.GetElapsedTime(called);
            if (wait > TimeSpan.Zero)
            {
                await DelayAsync(wait, stop, abort).ConfigureAwait(false);
            }
        }
    }

    private void Append(List<KinesisRecord> records)
    {
        long bytes = 0;
        foreach (var record in records)
        {
            var input = new InputContext(_inputPrefix, Suffix: record.SequenceNumber);
            _ = _pump.Append(record.Data.Span, record.SequenceNumber, input);
            bytes += record.Data.Length;
            _lastRead = record.SequenceNumber;
        }

        _pump.PublishCounts();
        context.Stats.Read(records.Count, bytes);
    }

    /// <summary>Makes the open batch durable and moves the checkpoint past it (and marks the shard ended when it is).</summary>
    private async Task CommitAsync(bool ended, CancellationToken abort)
    {
        if (ended)
        {
            // Logged before the store says so: a child may be taken the moment the end is checkpointed.
            context.Stats.Shard(_shardId, "ending");
        }

        if (!_pump.HasBatch)
        {
            if (ended && !await context.Store.TryCheckpointAsync(_shardId, context.Owner, null, ended: true, abort).ConfigureAwait(false))
            {
                throw new LeaseLostException(_shardId);
            }

            return;
        }

        // The conditional write on the lease is the commit point; a lease another worker holds now discards the batch.
        var committed = await _pump.CommitAsync(
            (batch, ct) => context.Store.TryCheckpointAsync(_shardId, context.Owner, batch.LastPosition, ended, ct), abort).ConfigureAwait(false)
            ?? throw new LeaseLostException(_shardId);
        _checkpoint = committed.LastPosition;

        Log.Checkpointed(context.Log, _shardId, _checkpoint, committed.Messages, committed.Files);
    }

    /// <summary>Publishes batches whose checkpoint moved before a crash and drops the rest, for every owner's staging of this shard.</summary>
    private async Task RecoverAsync(CancellationToken ct)
    {
        bool Committed(string last) => _checkpoint is not null && SequenceNumbers.Compare(last, _checkpoint) <= 0;
        var (finished, discarded) = await _pump.RecoverAsync(context.ShardStaging(_shardId), Committed, ct).ConfigureAwait(false);
        if (finished + discarded > 0)
        {
            Log.StagingRecovered(context.Log, _shardId, finished, discarded);
        }
    }

    /// <summary>An iterator after what was read (or the checkpoint), else at the configured start.</summary>
    private Task<string> AcquireIteratorAsync(CancellationToken ct)
    {
        var after = _lastRead ?? _checkpoint;
        if (after is not null)
        {
            return context.Client.GetShardIteratorAsync(context.Stream, _shardId, IteratorType.AfterSequenceNumber, after, null, ct);
        }

        // A child shard starts at its beginning whatever the start position: its parents' data led up to it.
        var start = lease.Parents.Count > 0 ? StartPosition.TrimHorizon : context.Options.Start;
        return start switch
        {
            StartPosition.Latest => context.Client.GetShardIteratorAsync(context.Stream, _shardId, IteratorType.Latest, null, null, ct),
            StartPosition.AtTimestamp => context.Client.GetShardIteratorAsync(context.Stream, _shardId, IteratorType.AtTimestamp, null, context.Options.StartTimestamp, ct),
            _ => context.Client.GetShardIteratorAsync(context.Stream, _shardId, IteratorType.TrimHorizon, null, null, ct),
        };
    }

    private async Task DelayAsync(TimeSpan wait, CancellationToken stop, CancellationToken abort)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, abort);
        try
        {
            await Task.Delay(wait, context.Time, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!abort.IsCancellationRequested)
        {
            // Stop requested: the loop flushes and returns.
        }
    }

    /// <summary>Gives the shard's share of the memory budget back (done by <see cref="RunAsync"/> when it ends).</summary>
    public void Dispose() => _pump.Dispose();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_shardId} (checkpoint {_checkpoint ?? "none"})");
}

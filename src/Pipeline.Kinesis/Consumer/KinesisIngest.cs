using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Buffers;
using Pipeline.Ingest;
using Pipeline.Kinesis.Client;
using Pipeline.Kinesis.Leases;
using Pipeline.Lake;
using Pipeline.Sources.Streams;

namespace Pipeline.Kinesis.Consumer;

/// <summary>What a stream ingest did before it stopped.</summary>
/// <param name="Stats">Its figures.</param>
/// <param name="Elapsed">How long it ran.</param>
/// <param name="StoppedIdle">Whether it stopped because every shard was caught up and idle.</param>
/// <param name="Unwritten">
/// Shards whose last batch could not be committed when the ingest stopped: what was read after their checkpoint
/// was not written, and is read again from the checkpoint by the next owner.
/// </param>
public sealed record KinesisResult(KinesisStats Stats, TimeSpan Elapsed, bool StoppedIdle, IReadOnlyList<string> Unwritten);

/// <summary>
/// Reads a Kinesis stream into the lake. A coordinator loop lists shards, keeps a lease per shard, renews the ones
/// this worker holds, takes free and expired ones (a lease whose counter has not moved for the lease duration
/// belongs to a dead worker), steals one at a time from a worker holding more than its share, and runs a
/// <see cref="ShardConsumer"/> per held shard. A shard whose parents have not been read to their end waits, so
/// after a split or merge every record is read in order of its hash key's history.
/// </summary>
public sealed class KinesisIngest : IDisposable
{
    private readonly StreamContext _context;
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Counter, long SeenAt)> _observed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _retryAfter = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);

    public KinesisIngest(
        KinesisSourceOptions options, IngestOptions ingest, KinesisClient client, ILeaseStore store, string owner, ILakeSink lake, TimeProvider time, ILogger<KinesisIngest>? logger = null,
        MemoryBudget? budget = null)
    {
        _context = new StreamContext(
            client, StreamRef.Parse(options.Stream), options, ingest, store, owner, lake, new KinesisStats(), time, (ILogger?)logger ?? NullLogger.Instance,
            budget ?? MemoryBudget.FromMiB(ingest.MemoryBudgetMiB));
    }

    public KinesisStats Stats => _context.Stats;

    /// <summary>Leases this worker holds now (for readiness).</summary>
    public int HeldLeases => _context.Stats.Held.Count;

    /// <summary>True once the first round of listing shards and leases worked (for readiness).</summary>
    public bool Started { get; private set; }

    /// <summary>Runs until <paramref name="stop"/> (then flushes, checkpoints and releases every lease) or until idle.</summary>
    public async Task<KinesisResult> RunAsync(CancellationToken stop)
    {
        var time = _context.Time;
        var started = time.GetTimestamp();
        var options = _context.Options;
        Log.StreamStarting(_context.Log, _context.Stream.ToString(), _context.Owner, _context.Store.IsShared ? $"lease table {options.LeaseTable}" : "local checkpoints", _context.Lake.Describe);
        await _context.Store.InitializeAsync(stop).ConfigureAwait(false);

        using var stopping = new CancellationTokenSource();
        var refresh = TimeSpan.FromMilliseconds(Math.Max(200, options.LeaseDuration.TotalMilliseconds / 3));
        long? quietSince = null;
        var stoppedIdle = false;
        var failures = 0;
        var unwritten = new List<string>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                bool quiet;
                try
                {
                    quiet = await RoundAsync(stopping.Token, stop).ConfigureAwait(false);
                    Started = true;
                    failures = 0;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Stopped in the middle of a round (a lease call cancelled): the graceful stop below still runs.
                    break;
                }
                catch (Exception e) when (e is KinesisException { IsRetryable: true } or Amazon.Runtime.AmazonServiceException or HttpRequestException)
                {
                    Log.CoordinatorRetry(_context.Log, e.Message);
                    try
                    {
                        await Task.Delay(Backoff.Jittered(++failures, refresh, TimeSpan.FromSeconds(30)), time, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    continue;
                }

                if (options.UntilIdle is { } idle)
                {
                    if (!quiet)
                    {
                        quietSince = null;
                    }
                    else if ((quietSince ??= time.GetTimestamp()) is var since && time.GetElapsedTime(since) >= idle)
                    {
                        Log.IdleStop(_context.Log, idle.TotalSeconds);
                        stoppedIdle = true;
                        break;
                    }
                }

                try
                {
                    await _wake.WaitAsync(refresh, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            // Graceful: every consumer flushes and checkpoints, then the leases are given back for others to take at once.
            await stopping.CancelAsync().ConfigureAwait(false);
            foreach (var (shardId, running) in _running)
            {
                try
                {
                    await running.Task.ConfigureAwait(false);
                    await _context.Store.ReleaseAsync(shardId, _context.Owner, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The final flush failed: nothing after the checkpoint is in the lake, and the stop must say so.
                    Log.ShardFailed(_context.Log, shardId, e);
                    unwritten.Add($"{running.Consumer}: what was read after the checkpoint was not written ({e.Message}); it is read again from the checkpoint");
                }
                finally
                {
                    running.Abort.Dispose();
                }
            }

            _running.Clear();
        }

        return new KinesisResult(_context.Stats, time.GetElapsedTime(started), stoppedIdle, unwritten);
    }

    /// <summary>One coordinator round. Returns true when nothing is left to do: every readable shard idle.</summary>
    private async Task<bool> RoundAsync(CancellationToken stopping, CancellationToken stop)
    {
        var store = _context.Store;
        var me = _context.Owner;
        var shards = await _context.Client.ListShardsAsync(_context.Stream, stop).ConfigureAwait(false);
        await store.EnsureLeasesAsync(shards, stop).ConfigureAwait(false);
        var leases = await store.ListAsync(stop).ConfigureAwait(false);
        var byShard = leases.ToDictionary(l => l.ShardId, StringComparer.Ordinal);

        await ReapAsync(byShard).ConfigureAwait(false);
        await RenewAsync(stop).ConfigureAwait(false);

        var now = _context.Time.GetTimestamp();
        foreach (var lease in leases)
        {
            if (!_observed.TryGetValue(lease.ShardId, out var seen) || seen.Counter != lease.Counter)
            {
                _observed[lease.ShardId] = (lease.Counter, now);
            }
        }

        bool Expired(ShardLease l) =>
            store.IsShared && l.Owner is not null && l.Owner != me && _context.Time.GetElapsedTime(_observed[l.ShardId].SeenAt) > _context.Options.LeaseDuration;
        bool ParentsDone(ShardLease l) => l.Parents.All(p => !byShard.TryGetValue(p, out var parent) || parent.Ended);
        bool Readable(ShardLease l) => !l.Ended && ParentsDone(l);

        var readable = leases.Where(Readable).ToList();
        var available = readable
            .Where(l => !_running.ContainsKey(l.ShardId) && (l.Owner is null || l.Owner == me || Expired(l)))
            .Where(l => !_retryAfter.TryGetValue(l.ShardId, out var after) || now >= after)
            .OrderBy(l => l.ShardId, StringComparer.Ordinal)
            .ToList();
        var live = readable.Where(l => l.Owner is not null && l.Owner != me && !Expired(l)).GroupBy(l => l.Owner!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var target = (int)Math.Ceiling(readable.Count / (double)(live.Count + 1));
        if (_context.Options.MaxLeasesPerWorker > 0)
        {
            target = Math.Min(target, _context.Options.MaxLeasesPerWorker);
        }

        foreach (var lease in available)
        {
            if (_running.Count >= target && store.IsShared)
            {
                break;
            }

            if (await store.TryTakeAsync(lease, me, stop).ConfigureAwait(false) is { } taken)
            {
                if (lease.Owner is { } previous && previous != me)
                {
                    Log.LeaseTakenOver(_context.Log, lease.ShardId, previous);
                }

                Start(taken, stopping);
            }
        }

        // Still below a fair share while another worker holds more: take one of its leases (one per round, so the
        // assignment settles without thrashing).
        if (store.IsShared && _running.Count < target && live.Count > 0)
        {
            var (richest, count) = live.MaxBy(kv => kv.Value);
            if (count > target || (count > _running.Count + 1))
            {
                var victim = readable.Where(l => l.Owner == richest).OrderByDescending(l => l.ShardId, StringComparer.Ordinal).First();
                if (await store.TryTakeAsync(victim, me, stop).ConfigureAwait(false) is { } stolen)
                {
                    Log.LeaseTakenOver(_context.Log, victim.ShardId, richest);
                    Start(stolen, stopping);
                }
            }
        }

        var remaining = available.Count(l => !_running.ContainsKey(l.ShardId));
        var allIdle = _running.Values.All(r => r.Consumer.IdleSince is not null);
        return remaining == 0 && allIdle && readable.All(l => _running.ContainsKey(l.ShardId) || (l.Owner is not null && l.Owner != me && !Expired(l)));
    }

    private void Start(ShardLease lease, CancellationToken stopping)
    {
        Log.ShardTaken(_context.Log, lease.ShardId, lease.Checkpoint ?? "none");
        // Every shard this worker reads holds an equal share of the process's one memory budget.
        var consumer = new ShardConsumer(_context, lease);
        var abort = new CancellationTokenSource();
        var task = Task.Run(async () =>
        {
            try
            {
                return await consumer.RunAsync(stopping, abort.Token).ConfigureAwait(false);
            }
            finally
            {
                _wake.Release();
            }
        }, CancellationToken.None);
        _running[lease.ShardId] = new Running(lease, consumer, abort, task);
    }

    /// <summary>Collects finished consumers: ended shards are released for their children; failed ones retried later.</summary>
    private async Task ReapAsync(Dictionary<string, ShardLease> leases)
    {
        foreach (var (shardId, running) in _running.Where(r => r.Value.Task.IsCompleted).ToList())
        {
            _running.Remove(shardId);
            running.Abort.Dispose();
            if (running.Task.IsFaulted && leases.TryGetValue(shardId, out var now) && now.Owner != _context.Owner)
            {
                // Failed because another worker took the shard over and recovered its staging: a lost lease, not an error.
                Log.LeaseLost(_context.Log, shardId);
            }
            else if (running.Task.IsFaulted)
            {
                Log.ShardFailed(_context.Log, shardId, running.Task.Exception!.InnerException!);
                _retryAfter[shardId] = _context.Time.GetTimestamp() + (long)(5 * _context.Time.TimestampFrequency);
                await _context.Store.ReleaseAsync(shardId, _context.Owner, CancellationToken.None).ConfigureAwait(false);
            }
            else if (await running.Task.ConfigureAwait(false) == ShardOutcome.Ended)
            {
                await _context.Store.ReleaseAsync(shardId, _context.Owner, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Renews held leases; a consumer whose lease is gone is aborted without publishing anything more.</summary>
    private async Task RenewAsync(CancellationToken ct)
    {
        foreach (var running in _running.Values)
        {
            if (running.Task.IsCompleted)
            {
                continue;
            }

            if (await _context.Store.TryRenewAsync(running.Lease, ct).ConfigureAwait(false) is { } renewed)
            {
                running.Lease = renewed;
            }
            else
            {
                await running.Abort.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _wake.Dispose();

    private sealed class Running(ShardLease lease, ShardConsumer consumer, CancellationTokenSource abort, Task<ShardOutcome> task)
    {
        public ShardLease Lease { get; set; } = lease;

        public ShardConsumer Consumer { get; } = consumer;

        public CancellationTokenSource Abort { get; } = abort;

        public Task<ShardOutcome> Task { get; } = task;
    }
}

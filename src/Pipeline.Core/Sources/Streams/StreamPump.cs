using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Parquet;

namespace Pipeline.Sources.Streams;

/// <summary>When a stream partition's open batch is flushed: by size, by age, and when the partition is caught up.</summary>
/// <param name="MaxBytes">Message bytes in a batch at most.</param>
/// <param name="MaxAge">Time since a batch's first message at most.</param>
/// <param name="WhenCaughtUp">Flush as soon as the partition has nothing more to read (runs that stop when idle).</param>
public sealed record FlushPolicy(long MaxBytes, TimeSpan MaxAge, bool WhenCaughtUp)
{
    /// <summary>The policy of a stream source's options: <paramref name="flushMiB"/>, <paramref name="flushAge"/>, and whether it stops when idle.</summary>
    public static FlushPolicy From(int flushMiB, TimeSpan flushAge, TimeSpan? untilIdle) => new((long)flushMiB * 1024 * 1024, flushAge, untilIdle is not null);
}

/// <summary>What a shared batch holds of one stream partition.</summary>
/// <param name="First">Its first message's position.</param>
/// <param name="Last">Its last message's position (the partition's checkpoint moves past it).</param>
/// <param name="Messages">Its messages.</param>
public sealed record PartitionSpan(string First, string Last, int Messages);

/// <summary>A batch whose checkpoint moved and whose files are in the table.</summary>
/// <param name="LastPosition">The position the checkpoint moved to (a shared batch: the last message's, whatever its partition).</param>
/// <param name="Messages">Messages in the batch.</param>
/// <param name="Files">Files it added to the table.</param>
/// <param name="FlushTime">Writing and syncing its files.</param>
/// <param name="CheckpointTime">Moving the checkpoint.</param>
/// <param name="Partitions">A shared batch's stream partitions, by name; null for a one-partition pump's batch.</param>
public sealed record CommittedBatch(string LastPosition, int Messages, int Files, TimeSpan FlushTime, TimeSpan CheckpointTime, IReadOnlyDictionary<string, PartitionSpan>? Partitions = null);

/// <summary>
/// The one pump from a stream partition (a Kinesis shard, a Kafka partition) into the lake, shared by every stream
/// source: they differ only in how they read and how they move their checkpoint. Messages are decoded into the
/// partition's buffers as they arrive, forming a batch that starts at its first message's position. The pump
/// decides when a batch is due (<see cref="FlushPolicy"/>) and commits it in the one order that loses nothing:
/// its Parquet files are written and synced with a manifest in staging, then the source moves its checkpoint (the
/// commit point), then the files are published (renamed into the table, or an upload's intent dropped); a batch
/// whose checkpoint could not move is discarded and read again. Before reading, <see cref="RecoverAsync"/> finishes or
/// removes what an earlier owner left, against the checkpoint. Files are named by the stream partition and the
/// batch's first position, so a batch redone after a crash rewrites the same names.
/// <para>
/// A <em>shared</em> pump holds one batch for several stream partitions of one reader (a Kafka consumer's
/// partitions), so that a lake partition gets one file per flush rather than one per stream partition. Its
/// manifest names each stream partition's last position (<c>name@position</c>), the source moves all of their
/// checkpoints at its commit point, and <see cref="ResolveAsync"/> decides what an earlier reader left by any one
/// of them; the batch is named by its reader, as the first position no longer names its content.
/// </para>
/// </summary>
public sealed class StreamPump : IDisposable
{
    private readonly ILakeSink _lake;
    private readonly StagingArea _area;
    private readonly string _batchPrefix;
    private readonly ParquetSettings _parquet;
    private readonly StreamStats _stats;
    private readonly string _partition;
    private readonly TimeProvider _time;
    private readonly RecordDecoder _decoder;
    private readonly PartitionBuffers _buffers;
    private readonly FlushPolicy _policy;
    private OpenBatch? _batch;
    private readonly string? _owner;
    private readonly bool _shared;

    /// <param name="lake">The lake (a local folder or S3).</param>
    /// <param name="staging">This owner's staging folder for the stream partition.</param>
    /// <param name="batchPrefix">Names the partition in batch IDs and file names, e.g. <c>kinesis-STREAM-SHARD</c>.</param>
    /// <param name="options">Decoder limits, rows per file, Parquet settings.</param>
    /// <param name="policy">When a batch is due.</param>
    /// <param name="budget">The process's memory budget; this partition holds a share of it until disposed.</param>
    /// <param name="stats">The source's figures, shared by its stream partitions.</param>
    /// <param name="partition">This stream partition's name in <paramref name="stats"/> (a shard ID, <c>topic [p]</c>).</param>
    /// <param name="time">Clock for batch ages.</param>
    /// <param name="owner">This reader's name. In an object store it is part of the object keys, so that a stale owner's cleanup never touches a new owner's objects.</param>
    /// <param name="namedByPosition">
    /// Name batches by their first position alone, also in an object store: for sources whose position names its
    /// content for good (an S3 object's bucket, key and version), so that every reader of it writes the same objects.
    /// </param>
    /// <param name="shared">One batch for several stream partitions (see the summary); <paramref name="partition"/> then names the reader.</param>
    public StreamPump(
        ILakeSink lake, string staging, string batchPrefix, IngestOptions options, FlushPolicy policy, MemoryBudget budget, StreamStats stats, string partition, TimeProvider time,
        string? owner = null, bool namedByPosition = false, bool shared = false)
    {
        _policy = policy;
        _shared = shared;
        _owner = shared || (lake.IsObjectStore && !namedByPosition) ? StagingArea.SafeName(owner ?? "owner") : null;
        _lake = lake;
        _area = new StagingArea(staging, batchPrefix);
        _batchPrefix = batchPrefix;
        _parquet = new ParquetSettings(options.Compression, options.ZstdLevel);
        _stats = stats;
        _partition = partition;
        _time = time;
        _decoder = new RecordDecoder(options.DecoderLimits());
        _buffers = new PartitionBuffers(budget, options.MaxRowsPerFile);
    }

    public bool HasBatch => _batch is not null;

    /// <summary>Message bytes in the open batch.</summary>
    public long BatchBytes => _batch?.Bytes ?? 0;

    /// <summary>Time since the open batch's first message.</summary>
    public TimeSpan BatchAge => _batch is null ? TimeSpan.Zero : _time.GetElapsedTime(_batch.Opened);

    /// <summary>When the stream partition was last seen caught up with nothing buffered, or null while it has work.</summary>
    public DateTimeOffset? IdleSince { get; private set; }

    /// <summary>Whether the open batch is due: by size, by age, or caught up when the policy says so.</summary>
    public bool FlushDue(bool caughtUp) =>
        _batch is not null && (_batch.Bytes >= _policy.MaxBytes || BatchAge >= _policy.MaxAge || (caughtUp && _policy.WhenCaughtUp));

    /// <summary>Records what the last read found: new messages, or the partition caught up (idle once nothing is buffered either).</summary>
    public void Polled(bool caughtUp)
    {
        if (!caughtUp)
        {
            IdleSince = null;
        }
        else if (_batch is null)
        {
            IdleSince ??= _time.GetUtcNow();
        }
    }

    /// <summary>
    /// Commits the open batch: stages it durably, asks <paramref name="moveCheckpoint"/> to move the source's
    /// checkpoint past it (the commit point), then publishes it, or discards it when the checkpoint did not move.
    /// Returns the committed batch, or null when there was none or it was discarded. When moving the checkpoint
    /// throws, whether it moved is unknown: the staged batch is kept for <see cref="RecoverAsync"/>, which resolves
    /// it against the checkpoint, and the exception goes to the caller.
    /// </summary>
    /// <param name="moveCheckpoint">Moves the checkpoint to the batch's last position; false when it could not (then nothing of the batch is visible).</param>
    /// <param name="cancellationToken">Cancels staging and moving the checkpoint (the batch is then left to recovery).</param>
    public async Task<CommittedBatch?> CommitAsync(Func<PreparedBatch, CancellationToken, Task<bool>> moveCheckpoint, CancellationToken cancellationToken)
    {
        if (await PrepareAsync(cancellationToken).ConfigureAwait(false) is not { } batch)
        {
            return null;
        }

        var started = _time.GetTimestamp();
        var moved = await moveCheckpoint(batch, cancellationToken).ConfigureAwait(false);
        var checkpointTime = _time.GetElapsedTime(started);
        if (!moved)
        {
            await _lake.DiscardAsync(_area, batch.Manifest, CancellationToken.None).ConfigureAwait(false);
            return null;
        }

        // The checkpoint moved: publishing is not cancelled half-way (recovery would finish it, but later).
        await _lake.PublishAsync(_area, [batch.Manifest], CancellationToken.None).ConfigureAwait(false);
        _stats.Ingest.BatchDone();
        _stats.OnCommitted(batch.Partitions?.Keys ?? [_partition], _time.GetUtcNow(), batch.FlushTime, checkpointTime);
        return new CommittedBatch(batch.LastPosition, batch.Messages, batch.Files, batch.FlushTime, checkpointTime, batch.Partitions);
    }

    /// <summary>
    /// Decodes one message into the open batch (opening one at <paramref name="position"/> if none is). Returns the
    /// code of a reject the message caused, or null.
    /// </summary>
    public string? Append(ReadOnlySpan<byte> message, string position, in InputContext input)
    {
        if (_shared)
        {
            throw new InvalidOperationException("a shared pump's messages name their stream partition");
        }

        return AppendTo(message, position, input);
    }

    /// <summary>
    /// Decodes one message of stream partition <paramref name="partition"/> into a shared pump's open batch.
    /// Returns the code of a reject the message caused, or null.
    /// </summary>
    public string? Append(ReadOnlySpan<byte> message, string partition, string position, in InputContext input)
    {
        if (!_shared)
        {
            throw new InvalidOperationException("only a shared pump takes messages of several stream partitions");
        }

        _batch ??= Open(StagingArea.SafeName($"{partition}-{position}"));
        var spans = _batch.Partitions ??= new(StringComparer.Ordinal);
        if (spans.TryGetValue(partition, out var span))
        {
            span.Last = position;
            span.Messages++;
        }
        else
        {
            spans[partition] = new OpenSpan { First = position, Last = position, Messages = 1 };
        }

        return AppendTo(message, position, input);
    }

    /// <summary>The stream partitions in the open batch of a shared pump, with what it holds of each.</summary>
    public IReadOnlyDictionary<string, PartitionSpan> OpenPartitions => Spans(_batch) ?? new Dictionary<string, PartitionSpan>();

    private static Dictionary<string, PartitionSpan>? Spans(OpenBatch? batch) =>
        batch?.Partitions?.ToDictionary(p => p.Key, p => new PartitionSpan(p.Value.First, p.Value.Last, p.Value.Messages), StringComparer.Ordinal);

    private string? AppendTo(ReadOnlySpan<byte> message, string position, in InputContext input)
    {
        _batch ??= Open(position);
        var rejects = _batch.Sink.RejectCount;
        _decoder.DecodeMessage(message, input, _batch.Sink);
        _batch.LastPosition = position;
        _batch.Messages++;
        _batch.Bytes += message.Length;
        return _batch.Sink.RejectCount == rejects ? null : _batch.Sink.LastRejectCode;
    }

    /// <summary>
    /// Decodes a whole input read as a stream (an S3 object's body) into the open batch, opening one at
    /// <paramref name="position"/> if none is. Read errors propagate, as for file inputs.
    /// </summary>
    public void AppendInput(Stream input, long bytes, string position, in InputContext context)
    {
        _batch ??= Open(position);
        _decoder.Decode(input, context, _batch.Sink, bytes);
        _batch.LastPosition = position;
        _batch.Messages++;
        _batch.Bytes += bytes;
    }

    /// <summary>Records a reject of a whole input in the open batch (opening one at <paramref name="position"/>): an input that could not be had at all.</summary>
    public void RejectInput(string position, in InputContext context, Projection.RejectReason reason, string detail)
    {
        _batch ??= Open(position);
        ((IRecordSink)_batch.Sink).Reject(context.Describe(), RecordPosition.WholeInput, reason, detail);
        _batch.LastPosition = position;
        _batch.Messages++;
    }

    /// <summary>Flushes buffered lake partitions to the open batch's files when this partition holds more than its share of the budget.</summary>
    public void Relieve()
    {
        if (_batch is not null)
        {
            _buffers.Relieve();
        }
    }

    /// <summary>Publishes the open batch's record counts to the shared stats (call after a run of appends).</summary>
    public void PublishCounts() => _batch?.Sink.PublishCounts();

    /// <summary>Writes the open batch's files and stages them durably; null when there is none.</summary>
    private async Task<PreparedBatch?> PrepareAsync(CancellationToken cancellationToken)
    {
        var batch = _batch;
        if (batch is null)
        {
            return null;
        }

        _batch = null;
        var started = _time.GetTimestamp();
        batch.Sink.Complete();
        batch.Sink.Dispose();
        var spans = Spans(batch);
        var manifest = batch.Staged.Manifest(spans is not null ? [.. spans.Select(p => $"{p.Key}@{p.Value.Last}")] : [batch.LastPosition!]);
        await _lake.StageAsync(_area, [manifest], cancellationToken).ConfigureAwait(false);
        return new PreparedBatch(manifest, batch.LastPosition!, batch.Messages, _time.GetElapsedTime(started), spans);
    }

    /// <summary>
    /// Settles a batch of this pump left staged when moving its checkpoint failed, once the source knows whether the
    /// checkpoint moved: publishes it when <paramref name="committed"/>, removes it otherwise. Safe when another
    /// reader settled it already.
    /// </summary>
    public async Task SettleAsync(PreparedBatch batch, bool committed, CancellationToken cancellationToken)
    {
        if (committed)
        {
            await _lake.PublishAsync(_area, [batch.Manifest], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _lake.DiscardAsync(_area, batch.Manifest, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the open batch and its buffered rows (stop without commit, partition lost).</summary>
    public void Abandon()
    {
        var batch = _batch;
        _batch = null;
        if (batch is not null)
        {
            batch.Sink.Dispose();
            _area.DeleteBatch(batch.Staged.BatchId);
        }
    }

    /// <summary>Drops the open batch and gives the partition's share of the memory budget back.</summary>
    public void Dispose()
    {
        Abandon();
        _buffers.Dispose();
    }

    /// <summary>
    /// Before reading a stream partition: publishes batches of any earlier owner whose last position the checkpoint
    /// covers (<paramref name="committed"/>) and removes everything else, in every owner's staging of the partition
    /// and, in an object store, among its uploads.
    /// </summary>
    /// <param name="partitionStaging">The partition's staging folder (each owner's staging is a folder in it).</param>
    /// <param name="committed">Whether the checkpoint covers a batch ending at the given position.</param>
    /// <param name="cancellationToken">Stops the recovery; what is left is recovered by the next reader.</param>
    public async Task<(int Finished, int Discarded)> RecoverAsync(string partitionStaging, Func<string, bool> committed, CancellationToken cancellationToken)
    {
        var own = Path.GetFullPath(_area.Directory);
        var owners = Directory.Exists(partitionStaging) ? Directory.EnumerateDirectories(partitionStaging).Select(Path.GetFullPath).ToList() : [];
        int finished = 0, discarded = 0;
        foreach (var dir in owners.Append(own).Distinct(StringComparer.Ordinal))
        {
            var recovered = await _lake.RecoverAsync(
                _area with { Directory = dir }, m => ValueTask.FromResult(m.Inputs.Count == 1 && committed(m.Inputs[0])), cancellationToken).ConfigureAwait(false);
            finished += recovered.Finished.Count;
            discarded += recovered.Discarded;
            if (!string.Equals(dir, own, StringComparison.Ordinal))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return (finished, discarded);
    }

    /// <summary>
    /// The stream partitions a shared batch's manifest covers, each with its last position; null for a manifest of
    /// a one-partition batch.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? SharedPartitions(BatchManifest manifest)
    {
        if (manifest.Inputs.Count == 0 || manifest.Inputs.Any(i => !i.Contains('@', StringComparison.Ordinal)))
        {
            return null;
        }

        var partitions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in manifest.Inputs)
        {
            var at = input.LastIndexOf('@');
            partitions[input[..at]] = input[(at + 1)..];
        }

        return partitions;
    }

    /// <summary>
    /// Decides the shared batches staged by every reader of the source (each reader's staging is a folder in
    /// <paramref name="readersStaging"/>; in an object store, their intents): <paramref name="decide"/> gets each
    /// batch's stream partitions and their last positions and says whether to publish, remove or leave it. Files of
    /// batches never staged are left to their reader, except in a folder with no batch and nothing written for
    /// <paramref name="abandonedAfter"/> (a reader that died between batches or while writing one): that folder is removed.
    /// </summary>
    public async Task<(int Finished, int Discarded)> ResolveAsync(
        string readersStaging, Func<IReadOnlyDictionary<string, string>, ValueTask<StagedDecision>> decide, TimeSpan abandonedAfter, CancellationToken cancellationToken)
    {
        async ValueTask<StagedDecision> Decide(BatchManifest m) => SharedPartitions(m) is { } partitions ? await decide(partitions).ConfigureAwait(false) : StagedDecision.Keep;

        if (_lake.IsObjectStore)
        {
            var resolved = await _lake.ResolveAsync(_area, Decide, cancellationToken).ConfigureAwait(false);
            return (resolved.Finished.Count, resolved.Discarded);
        }

        var own = Path.GetFullPath(_area.Directory);
        var readers = Directory.Exists(readersStaging) ? Directory.EnumerateDirectories(readersStaging).Select(Path.GetFullPath).ToList() : [];
        int finished = 0, discarded = 0;
        foreach (var dir in readers.Append(own).Distinct(StringComparer.Ordinal))
        {
            var resolved = await _lake.ResolveAsync(_area with { Directory = dir }, Decide, cancellationToken).ConfigureAwait(false);
            finished += resolved.Finished.Count;
            discarded += resolved.Discarded;
            if (!string.Equals(dir, own, StringComparison.Ordinal) && Abandoned(dir, abandonedAfter))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return (finished, discarded);
    }

    /// <summary>A reader's staging folder with no staged batch and nothing written to it for <paramref name="after"/>.</summary>
    private bool Abandoned(string dir, TimeSpan after)
    {
        var files = Directory.GetFiles(dir);
        if (files.Any(f => f.EndsWith(".manifest.json", StringComparison.Ordinal)))
        {
            return false;
        }

        var newest = files.Select(File.GetLastWriteTimeUtc).Append(Directory.GetLastWriteTimeUtc(dir)).Max();
        return _time.GetUtcNow().UtcDateTime - newest >= after;
    }

    private OpenBatch Open(string firstPosition)
    {
        var id = _owner is null ? $"{_batchPrefix}-{firstPosition}" : $"{_batchPrefix}-{firstPosition}-{_owner}";
        var staged = new StagedBatch(_area, id);
        var sink = new BatchSink(staged, _buffers, _stats.Ingest, _parquet, null, null);
        return new OpenBatch(staged, sink, _time.GetTimestamp());
    }

    private sealed class OpenBatch(StagedBatch staged, BatchSink sink, long opened)
    {
        public StagedBatch Staged { get; } = staged;

        public BatchSink Sink { get; } = sink;

        public long Opened { get; } = opened;

        public string? LastPosition { get; set; }

        public int Messages { get; set; }

        public long Bytes { get; set; }

        /// <summary>A shared batch's stream partitions.</summary>
        public Dictionary<string, OpenSpan>? Partitions { get; set; }
    }

    /// <summary>What an open shared batch holds of one stream partition (updated in place, message by message).</summary>
    private sealed class OpenSpan
    {
        public required string First { get; init; }

        public required string Last { get; set; }

        public int Messages { get; set; }
    }
}

/// <summary>A batch written and synced with its manifest, waiting for its checkpoint to move.</summary>
/// <param name="Manifest">What it wrote and covers.</param>
/// <param name="LastPosition">Its last message's position.</param>
/// <param name="Messages">Its messages.</param>
/// <param name="FlushTime">Writing and syncing its files.</param>
/// <param name="Partitions">A shared batch's stream partitions, by name; null for a one-partition pump's batch.</param>
public sealed record PreparedBatch(BatchManifest Manifest, string LastPosition, int Messages, TimeSpan FlushTime, IReadOnlyDictionary<string, PartitionSpan>? Partitions = null)
{
    public int Files => Manifest.Files.Count;
}

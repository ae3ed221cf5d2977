using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Ingest;
using Pipeline.Lake;
using Pipeline.Parquet;

namespace Pipeline.Sources.Streams;

/// <summary>
/// The lake side of one stream partition (a Kinesis shard, a Kafka partition): messages are decoded into the
/// partition's buffers as they arrive, forming a batch that starts at its first message's position. Committing a
/// batch is two-phase with the source's checkpoint as the commit point: <see cref="Prepare"/> writes and syncs its
/// Parquet files with a manifest in staging, the caller moves the checkpoint, then <see cref="Publish"/> renames
/// the files into the table (or <see cref="Discard"/> drops them when the checkpoint could not move). Files are
/// named by the partition and the batch's first position, so a batch redone after a crash rewrites the same names.
/// </summary>
internal sealed class PartitionWriter
{
    private readonly LakeLayout _lake;
    private readonly string _staging;
    private readonly string _batchPrefix;
    private readonly ParquetSettings _parquet;
    private readonly IngestStats _stats;
    private readonly TimeProvider _time;
    private readonly RecordDecoder _decoder;
    private readonly PartitionBuffers _buffers;
    private readonly IRemoteLake? _remote;
    private readonly string? _remotePartition;
    private OpenBatch? _batch;
    private readonly string? _owner;

    /// <param name="lake">The lake.</param>
    /// <param name="staging">This owner's staging folder for the partition.</param>
    /// <param name="batchPrefix">Names the partition in batch IDs and file names, e.g. <c>kinesis-STREAM-SHARD</c>.</param>
    /// <param name="options">Decoder limits, rows per file, Parquet settings.</param>
    /// <param name="budgetBytes">This partition's share of the memory budget.</param>
    /// <param name="stats">Counters shared by the run.</param>
    /// <param name="time">Clock for batch ages.</param>
    /// <param name="remote">An object-store lake the batches are uploaded to (then <paramref name="lake"/> only stages), or null.</param>
    /// <param name="owner">With <paramref name="remote"/>: this reader's name, part of the object keys so that a stale owner's cleanup never touches a new owner's objects.</param>
    public PartitionWriter(
        LakeLayout lake, string staging, string batchPrefix, IngestOptions options, long budgetBytes, IngestStats stats, TimeProvider time,
        IRemoteLake? remote = null, string? owner = null)
    {
        _remote = remote;
        _remotePartition = remote is null ? null : batchPrefix;
        _owner = remote is null ? null : SafeName(owner ?? "owner");
        _lake = lake;
        _staging = staging;
        _batchPrefix = batchPrefix;
        _parquet = new ParquetSettings(options.Compression, options.ZstdLevel);
        _stats = stats;
        _time = time;
        _decoder = new RecordDecoder(new DecoderLimits((long)options.MaxDocumentMiB * 1024 * 1024, (long)options.MaxLineMiB * 1024 * 1024));
        _buffers = new PartitionBuffers(budgetBytes, options.MaxRowsPerFile);
    }

    public bool HasBatch => _batch is not null;

    /// <summary>Message bytes in the open batch.</summary>
    public long BatchBytes => _batch?.Bytes ?? 0;

    /// <summary>Time since the open batch's first message.</summary>
    public TimeSpan BatchAge => _batch is null ? TimeSpan.Zero : _time.GetElapsedTime(_batch.Opened);

    /// <summary>
    /// Decodes one message into the open batch (opening one at <paramref name="position"/> if none is). Returns the
    /// code of a reject the message caused, or null.
    /// </summary>
    public string? Append(ReadOnlySpan<byte> message, string position, in InputContext input)
    {
        _batch ??= Open(position);
        var rejects = _batch.Sink.RejectCount;
        _decoder.DecodeMessage(message, input, _batch.Sink);
        _batch.LastPosition = position;
        _batch.Messages++;
        _batch.Bytes += message.Length;
        return _batch.Sink.RejectCount == rejects ? null : _batch.Sink.LastRejectCode;
    }

    /// <summary>Publishes the open batch's record counts to the shared stats (call after a run of appends).</summary>
    public void PublishCounts() => _batch?.Sink.PublishCounts();

    /// <summary>Writes and syncs the open batch with its manifest; null when there is none. Follow with Publish or Discard.</summary>
    public PreparedBatch? Prepare()
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
        batch.Staged.Prepare([batch.LastPosition!]);
        if (_remote is not null)
        {
            // An object store is the lake: the objects must be complete before the checkpoint moves.
            _remote.Upload(_remotePartition!, batch.Staged.BatchId, batch.LastPosition!, batch.Staged.PreparedFiles());
        }

        return new PreparedBatch(batch.Staged, batch.LastPosition!, batch.Messages, _time.GetElapsedTime(started));
    }

    /// <summary>Makes a prepared batch part of the table (its checkpoint moved): a rename, or dropping the upload's intent.</summary>
    public void Publish(PreparedBatch batch)
    {
        if (_remote is not null)
        {
            _remote.Commit(_remotePartition!, batch.Staged.BatchId);
            batch.Staged.Discard();
        }
        else
        {
            batch.Staged.PublishPrepared();
        }

        _stats.BatchDone();
    }

    /// <summary>Drops a prepared batch (its checkpoint could not move: the partition belongs to another owner now).</summary>
    public void Discard(PreparedBatch batch)
    {
        _remote?.Abort(_remotePartition!, batch.Staged.BatchId);
        batch.Staged.Discard();
    }

    /// <summary>Drops the open batch and its buffered rows (stop without commit, partition lost).</summary>
    public void Abandon()
    {
        var batch = _batch;
        _batch = null;
        if (batch is not null)
        {
            batch.Sink.Dispose();
            batch.Staged.Discard();
        }
    }

    /// <summary>
    /// Before reading a partition: publishes prepared batches of any earlier owner whose last position the
    /// checkpoint covers (<paramref name="committed"/>), deletes everything else in the partition's staging, and
    /// with a remote lake resolves the partition's leftover uploads the same way.
    /// </summary>
    /// <param name="partitionStaging">The partition's staging folder (each owner's staging is a folder in it).</param>
    /// <param name="committed">Whether the checkpoint covers a batch ending at the given position.</param>
    public (int Finished, int Discarded) Recover(string partitionStaging, Func<string, bool> committed)
    {
        int finished = 0, discarded = 0;
        if (Directory.Exists(partitionStaging))
        {
            foreach (var ownerDir in Directory.EnumerateDirectories(partitionStaging))
            {
                // With a remote lake the objects were complete before the checkpoint moved: local copies are only dropped.
                var (f, d) = StagedBatch.RecoverPrepared(_lake, ownerDir, m => _remote is null && m.Inputs.Count == 1 && committed(m.Inputs[0]));
                finished += f;
                discarded += d;
                if (!string.Equals(Path.GetFullPath(ownerDir), Path.GetFullPath(_staging), StringComparison.Ordinal))
                {
                    Directory.Delete(ownerDir, recursive: true);
                }
            }
        }

        if (_remote is not null)
        {
            var (kept, deleted) = _remote.Recover(_remotePartition!, committed);
            finished += kept;
            discarded += deleted;
        }

        return (finished, discarded);
    }

    /// <summary>Turns an owner name into a safe folder name.</summary>
    public static string SafeName(string name) =>
        string.Create(name.Length, name, (span, o) =>
        {
            for (var i = 0; i < o.Length; i++)
            {
                span[i] = char.IsAsciiLetterOrDigit(o[i]) || o[i] is '-' or '_' or '.' ? o[i] : '_';
            }
        });

    private OpenBatch Open(string firstPosition)
    {
        var id = _owner is null ? $"{_batchPrefix}-{firstPosition}" : $"{_batchPrefix}-{firstPosition}-{_owner}";
        var staged = new StagedBatch(_lake, id, _staging);
        var sink = new BatchSink(staged, _buffers, _stats, _parquet, null, null);
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
    }
}

/// <summary>A batch written and synced with its manifest, waiting for its checkpoint to move.</summary>
internal sealed record PreparedBatch(StagedBatch Staged, string LastPosition, int Messages, TimeSpan FlushTime)
{
    public int Files => Staged.FileCount;
}

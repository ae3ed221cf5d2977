using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Buffers;
using Pipeline.Decoding;
using Pipeline.Diagnostics;
using Pipeline.Lake;
using Pipeline.Parquet;
using Pipeline.Projection;
using Pipeline.Sources;
using Pipeline.Sources.Files;
using Polly;
using Polly.Retry;

namespace Pipeline.Ingest;

/// <summary>What to ingest, and where.</summary>
/// <param name="Source">A file or a directory tree.</param>
/// <param name="Lake">The lake's root folder.</param>
/// <param name="From">First UTC event date kept (inclusive), or null.</param>
/// <param name="To">Last UTC event date kept (inclusive), or null.</param>
public sealed record IngestRequest(string Source, string Lake, DateOnly? From = null, DateOnly? To = null);

/// <summary>What a finished run saw besides its live stats.</summary>
/// <param name="Stats">The run's counters.</param>
/// <param name="Scan">What the source listing found besides inputs.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="RecoveredBatches">Batches of an interrupted run that this run finished.</param>
/// <param name="Unreadable">
/// Inputs that could not be read (I/O, permissions) even after retries. They are not checkpointed, so the next run
/// reads them; a run with any is not complete and the CLI exits non-zero.
/// </param>
public sealed record IngestResult(IngestStats Stats, ScanCounts Scan, TimeSpan Elapsed, int RecoveredBatches, IReadOnlyList<UnreadableInput> Unreadable)
{
    /// <summary>True when every input was read (rejects of bad content do not count against it).</summary>
    public bool Complete => Unreadable.Count == 0;
}

/// <summary>An input left for the next run, and why.</summary>
public sealed record UnreadableInput(string Input, string Reason);

/// <summary>
/// Ingests a file tree (an org trail archive copy, NDJSON exports, captured streams) into the local lake:
/// batches are read in parallel, each committed atomically, and finished inputs are checkpointed, so a run
/// killed at any moment is finished by running it again, with every event present once.
/// </summary>
/// <param name="options">Tunables.</param>
/// <param name="time">Clock.</param>
/// <param name="logger">Where progress and problems go.</param>
/// <param name="budget">The process's memory budget; by default one of <see cref="IngestOptions.MemoryBudgetMiB"/> for this run alone.</param>
public sealed class ArchiveIngest(IngestOptions options, TimeProvider time, ILogger<ArchiveIngest>? logger = null, MemoryBudget? budget = null)
{
    private readonly ILogger _log = (ILogger?)logger ?? NullLogger.Instance;
    private readonly MemoryBudget _budget = budget ?? MemoryBudget.FromMiB(options.MemoryBudgetMiB);

    /// <summary>Opening an input is tried again after each of <see cref="OpenRetryDelays"/>: a file being replaced, a flaky mount.</summary>
    private readonly ResiliencePipeline _openRetry = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<UnauthorizedAccessException>(),
            MaxRetryAttempts = OpenRetryDelays.Length,
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(OpenRetryDelays[Math.Min(args.AttemptNumber, OpenRetryDelays.Length - 1)]),
        })
        .Build();

    /// <summary>Live counters, readable while <see cref="RunAsync"/> runs.</summary>
    public IngestStats Stats { get; } = new();

    /// <summary>Ingests <paramref name="request"/>'s source: a local file tree, or <paramref name="store"/> when given (S3).</summary>
    /// <param name="request">What to ingest, and where.</param>
    /// <param name="cancellationToken">Stops the run; committed batches stay.</param>
    /// <param name="store">The source when it is not a local path (S3).</param>
    /// <param name="target">The lake when it is not the local folder of <paramref name="request"/> (S3).</param>
    public async Task<IngestResult> RunAsync(IngestRequest request, CancellationToken cancellationToken, IArchiveStore? store = null, ILakeSink? target = null)
    {
        var started = time.GetTimestamp();
        store ??= new LocalArchiveStore(request.Source);
        if (request.From is { } f && request.To is { } t && f > t)
        {
            throw new IngestException($"--from {f:yyyy-MM-dd} is after --to {t:yyyy-MM-dd}");
        }

        var sink = target ?? new LocalLake(request.Lake);
        var lake = sink.Local;
        using var lakeLock = LockLake(lake);
        var checkpoint = sink.InputCheckpoint;
        // In an object store the staged batches of every machine meet: each machine resolves only its own, as it
        // did when they were known from its local staging alone.
        var area = new StagingArea(lake.StagingDirectory, sink.IsObjectStore ? "files-" + StagingArea.SafeName(Environment.MachineName) : "files");

        // A batch any of whose inputs is checkpointed passed its commit point (the checkpoint may be cut short by a
        // crash after some of its lines): it is published and its checkpoint completed. Every other one is removed.
        var recovered = await sink.RecoverAsync(area, m => AnyDoneAsync(checkpoint, m, cancellationToken), cancellationToken).ConfigureAwait(false);
        await checkpoint.MarkDoneAsync(recovered.Finished.SelectMany(m => m.Inputs.Select(k => (m.Batch, k))), cancellationToken).ConfigureAwait(false);
        var finished = recovered.Finished.Count;
        if (finished + recovered.Discarded > 0)
        {
            Log.StagingRecovered(_log, finished, recovered.Discarded);
        }

        var counts = new ScanCounts();
        var inputs = await store.ScanAsync(request.From, request.To, counts, cancellationToken).ConfigureAwait(false);
        foreach (var problem in counts.Problems)
        {
            Stats.Reject(problem.Reason.Code(), $"{problem.Path} (whole input): {problem.Reason.Code()}: {problem.Detail}");
            Log.ScanProblem(_log, problem.Path, problem.Reason.Code(), problem.Detail);
        }

        var filterText = $"from={request.From:yyyy-MM-dd};to={request.To:yyyy-MM-dd}";
        var done = new HashSet<string>(StringComparer.Ordinal);
        var planned = new List<ArchiveInput>(inputs.Count);
        foreach (var input in inputs)
        {
            var key = ArchiveScanner.CheckpointKey(input, filterText);
            if (await checkpoint.IsDoneAsync(key, cancellationToken).ConfigureAwait(false))
            {
                done.Add(key);
                planned.Add(input);
                continue;
            }

            // A large newline-delimited file is read in parts by all workers; each part is checkpointed on its own.
            foreach (var part in await SplitAsync(input, store, cancellationToken).ConfigureAwait(false))
            {
                var partKey = ArchiveScanner.CheckpointKey(part, filterText);
                if (part.Part is not null && await checkpoint.IsDoneAsync(partKey, cancellationToken).ConfigureAwait(false))
                {
                    done.Add(partKey);
                }

                planned.Add(part);
            }
        }

        var batches = ArchiveScanner.Batch(planned, i => done.Contains(ArchiveScanner.CheckpointKey(i, filterText)), (long)options.MaxBatchMiB * 1024 * 1024, filterText);
        var pending = batches.SelectMany(b => b.Inputs).ToList();
        var partsLeft = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(
            pending.Where(i => i.Part is not null).GroupBy(i => i.Identity, StringComparer.Ordinal).Select(g => KeyValuePair.Create(g.Key, g.Count())),
            StringComparer.Ordinal);
        var pendingFiles = pending.Select(i => i.Identity).Distinct(StringComparer.Ordinal).Count();
        Stats.InputsTotal = pendingFiles;
        Stats.InputsAlreadyDone = inputs.Count - pendingFiles;
        Stats.BytesTotal = pending.Sum(i => i.ReadBytes);
        Stats.BatchesTotal = batches.Count;
        Log.IngestStarting(_log, store.Describe, sink.Describe, pendingFiles, batches.Count, Stats.InputsAlreadyDone);

        var parallelism = Math.Max(1, Math.Min(options.Parallelism, batches.Count));
        var channel = Channel.CreateBounded<ArchiveBatch>(new BoundedChannelOptions(parallelism * 2)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
        });
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var settings = new ParquetSettings(options.Compression, options.ZstdLevel);
        var limits = options.DecoderLimits();

        // Workers decode and write; one committer makes each finished batch durable and visible meanwhile, so the
        // CPUs are not idle while fsync waits on the disk. The queue is short: staged batches hold no row memory.
        var commits = Channel.CreateBounded<PendingCommit>(new BoundedChannelOptions(parallelism)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        var unreadable = new System.Collections.Concurrent.ConcurrentDictionary<string, UnreadableInput>(StringComparer.Ordinal);
        var run = new RunContext(sink, area, checkpoint, settings, filterText, request, store, unreadable, partsLeft);
        using var chunkedFiles = new SemaphoreSlim(1, 1);
        var workers = Enumerable.Range(0, parallelism).Select(_ => Task.Run(() => WorkAsync(channel.Reader, failed.Token), CancellationToken.None)).ToList();
        var committer = Task.Run(() => CommitAsync(commits.Reader, failed.Token), CancellationToken.None);

        try
        {
            foreach (var batch in batches)
            {
                await channel.Writer.WriteAsync(batch, failed.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // A worker failed or the run was cancelled; the workers' outcome says which.
        }
        finally
        {
            channel.Writer.TryComplete();
        }

        var all = workers.Append(committer).ToList();
        try
        {
            try
            {
                await Task.WhenAll(workers).ConfigureAwait(false);
            }
            finally
            {
                commits.Writer.TryComplete();
            }

            await committer.ConfigureAwait(false);
        }
        catch (Exception) when (all.Any(w => w.IsFaulted))
        {
            await failed.CancelAsync().ConfigureAwait(false);
            var error = all.First(w => w.IsFaulted).Exception!.InnerException!;
            throw error is IngestException ? error : new IngestException(error.Message, error);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new IngestResult(Stats, counts, time.GetElapsedTime(started), finished, [.. unreadable.Values.OrderBy(u => u.Input, StringComparer.Ordinal)]);

        async Task WorkAsync(ChannelReader<ArchiveBatch> reader, CancellationToken ct)
        {
            var decoder = new RecordDecoder(limits);
            using var buffers = new PartitionBuffers(_budget, options.MaxRowsPerFile);
            try
            {
                await foreach (var batch in reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    try
                    {
                        if (batch.Inputs is [{ SplitWhenInflated: true } large])
                        {
                            await ReadInflatedInChunksAsync(batch, large, decoder, buffers, ct).ConfigureAwait(false);
                            continue;
                        }

                        var staged = await WriteBatchAsync(batch, decoder, buffers, run, ct).ConfigureAwait(false);
                        await commits.Writer.WriteAsync(new PendingCommit(staged, batch), ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        Log.BatchFailed(_log, batch.Id, e);
                        await failed.CancelAsync().ConfigureAwait(false);
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped: uncommitted staging is discarded by the next run.
            }
        }

        // A large gzip file of JSON values (newline-delimited or concatenated), or a large plain file of concatenated
        // JSON: inflated on a thread of its own (gzip) and cut into chunks at line breaks between complete objects or
        // between values (InflatedSplitter), each read by one of as many readers as there are
        // workers, written and committed as a batch of its own with its own checkpoint. Once every chunk is
        // committed, the file's own checkpoint is marked, so a later run does not inflate it again; a run stopped
        // before that inflates it again and reads only the chunks not checkpointed.
        // One such file at a time: its readers are as many as the workers already, and each file read in chunks
        // holds up to four chunk buffers (one being filled, one queued, one per reader) outside the row budget.
        async Task ReadInflatedInChunksAsync(ArchiveBatch batch, ArchiveInput input, RecordDecoder decoder, PartitionBuffers buffers, CancellationToken ct)
        {
            await chunkedFiles.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await ReadInChunksAsync(batch, input, decoder, buffers, ct).ConfigureAwait(false);
            }
            finally
            {
                chunkedFiles.Release();
            }
        }

        async Task ReadInChunksAsync(ArchiveBatch batch, ArchiveInput input, RecordDecoder decoder, PartitionBuffers buffers, CancellationToken ct)
        {
            var stream = await OpenAsync(input, run, ct).ConfigureAwait(false);
            if (stream is null)
            {
                // Unreadable, after retries: a batch without it, as for any input (the next run reads it).
                var empty = await WriteBatchAsync(batch, decoder, buffers, run, ct, (_, _) => null).ConfigureAwait(false);
                await commits.Writer.WriteAsync(new PendingCommit(empty, batch), ct).ConfigureAwait(false);
                return;
            }

            var chunks = Channel.CreateBounded<(ArchiveBatch Batch, InflatedChunk Chunk, bool Last)>(new BoundedChannelOptions(1) { SingleWriter = true });
            var committed = new List<Task>();
            var pendingDamage = new List<GzipDamage>();
            Action<GzipDamage> onDamage = pendingDamage.Add;
            var count = 0;
            long inflatedBytes = 0;
            long counted = 0;
            bool cut;
            await using (stream.ConfigureAwait(false))
            {
                // A gzip file is inflated on a thread of its own; a plain one (concatenated JSON no line break cuts) is read as it is.
                var head = new byte[2];
                var got = Read(() => stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false));
                using var inflated = got == 2 && head[0] == 0x1F && head[1] == 0x8B
                    ? (BreakingStream)new InflateAhead(stream, head, d => onDamage(d))
                    : new UnbrokenStream(stream, head[..got]);
                Func<long> position = inflated is InflateAhead ahead ? () => ahead.CompressedBytes : () => ((UnbrokenStream)inflated).BytesRead;
                var splitter = new InflatedSplitter(inflated, pendingDamage, options.InflatedPartBytes, position);
                cut = Read(() => splitter.StartsWithObject());
                if (cut)
                {
                    var readers = Enumerable.Range(0, Math.Max(1, options.Parallelism))
                        .Select(i => Task.Run(() => ReadChunksAsync(chunks.Reader, i == 0 ? decoder : null, i == 0 ? buffers : null, inflated, ct), CancellationToken.None))
                        .ToList();
                    try
                    {
                        while (true)
                        {
                            var last = false;
                            var chunk = Read(() =>
                            {
                                var next = splitter.Next(out var toEnd);
                                last = toEnd;
                                return next;
                            });
                            if (chunk is null)
                            {
                                break;
                            }

                            count++;
                            inflatedBytes = chunk.Start + chunk.Length;

                            // Progress in the file's own (compressed) bytes, as far as this chunk reaches into them.
                            var reached = Math.Min(input.Size, chunk.CompressedEnd);
                            Stats.InputDone(Math.Max(0, reached - counted), fileDone: false);
                            counted = Math.Max(counted, reached);
                            var part = input with { SplitWhenInflated = false, Part = new ArchivePart(chunk.Start, chunk.Length, chunk.Index, 0, Inflated: true, ToEnd: last) };
                            if (await run.Checkpoint.IsDoneAsync(ArchiveScanner.CheckpointKey(part, run.FilterText), ct).ConfigureAwait(false))
                            {
                                // Committed by an earlier run.
                                chunk.Dispose();
                                if (last)
                                {
                                    break;
                                }

                                continue;
                            }

                            if (last)
                            {
                                // The rest of the input is read live after this chunk, by its reader: damage there is its own.
                                onDamage = _ => { };
                            }

                            await chunks.Writer.WriteAsync((new ArchiveBatch(ArchiveScanner.BatchId([part], run.FilterText), [part]), chunk, last), ct).ConfigureAwait(false);
                            if (last)
                            {
                                break;
                            }
                        }
                    }
                    finally
                    {
                        chunks.Writer.TryComplete();
                        await Task.WhenAll(readers).ConfigureAwait(false);
                    }

                    // Every chunk staged; the file's checkpoint moves only once each is committed.
                    await Task.WhenAll(committed).WaitAsync(ct).ConfigureAwait(false);
                }
            }

            if (!cut)
            {
                // Not newline-delimited JSON (one document, CloudWatch Logs payloads, an array): read whole, as any input.
                var staged = await WriteBatchAsync(batch, decoder, buffers, run, ct).ConfigureAwait(false);
                await commits.Writer.WriteAsync(new PendingCommit(staged, batch), ct).ConfigureAwait(false);
                return;
            }

            await run.Checkpoint.MarkDoneAsync([(batch.Id, ArchiveScanner.CheckpointKey(input, run.FilterText))], ct).ConfigureAwait(false);
            Stats.InputDone(input.Size - counted, fileDone: true);
            Stats.BatchDone();
            Log.InputInflatedInChunks(_log, input.Describe, count, inflatedBytes);

            T Read<T>(Func<T> read)
            {
                try
                {
                    return read();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IngestException($"reading {input.Describe} failed part-way ({e.Message}); its batch is not committed, so run again to read it", e);
                }
            }

            async Task ReadChunksAsync(
                ChannelReader<(ArchiveBatch Batch, InflatedChunk Chunk, bool Last)> reader, RecordDecoder? ownDecoder, PartitionBuffers? ownBuffers, Stream live, CancellationToken token)
            {
                var chunkDecoder = ownDecoder ?? new RecordDecoder(limits);
                using var extra = ownBuffers is null ? new PartitionBuffers(_budget, options.MaxRowsPerFile) : null;
                var chunkBuffers = ownBuffers ?? extra!;
                try
                {
                    await foreach (var (chunkBatch, chunk, last) in reader.ReadAllAsync(token).ConfigureAwait(false))
                    {
                        using (chunk)
                        {
                            var staged = await WriteBatchAsync(chunkBatch, chunkDecoder, chunkBuffers, run, token, (part, sink) =>
                            {
                                var name = part.Describe;
                                void Damaged(GzipDamage d) => sink.Reject(name, RecordPosition.WholeInput with { Member = d.Member }, d.Reason, RecordDecoder.GzipDamageDetail(d));
                                if (last)
                                {
                                    onDamage = Damaged;
                                }

                                return new ChunkStream(chunk, Damaged, last ? live : null);
                            }).ConfigureAwait(false);
                            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                            lock (committed)
                            {
                                committed.Add(done.Task);
                            }

                            await commits.Writer.WriteAsync(new PendingCommit(staged, chunkBatch, done), token).ConfigureAwait(false);
                        }
                    }
                }
                catch (Exception e)
                {
                    // The splitter must not wait to hand a chunk to readers that have stopped.
                    chunks.Writer.TryComplete(e);
                    throw;
                }
            }
        }

        async Task CommitAsync(ChannelReader<PendingCommit> reader, CancellationToken ct)
        {
            try
            {
                var group = new List<PendingCommit>();
                while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    // Everything queued is committed as one group: one round of syncs for all of it.
                    group.Clear();
                    while (group.Count < 256 && reader.TryRead(out var item))
                    {
                        group.Add(item);
                    }

                    try
                    {
                        // Staged durably, then the input checkpoint (the commit point), then into the table.
                        var manifests = group.Select(g => g.Staged.Manifest(
                            [.. g.Batch.Inputs.Select(i => ArchiveScanner.CheckpointKey(i, run.FilterText)).Where(k => !run.Unreadable.ContainsKey(k))])).ToList();
                        await run.Sink.StageAsync(run.Area, manifests, ct).ConfigureAwait(false);
                        await run.Checkpoint.MarkDoneAsync(manifests.SelectMany(m => m.Inputs.Select(k => (m.Batch, k))), ct).ConfigureAwait(false);
                        await run.Sink.PublishAsync(run.Area, manifests, ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        Log.BatchFailed(_log, group[0].Batch.Id, e);
                        await failed.CancelAsync().ConfigureAwait(false);
                        throw;
                    }

                    foreach (var (staged, batch, committed) in group)
                    {
                        // A chunk of a gzip file counts with its file (the planned batch) once every chunk is in.
                        if (committed is null)
                        {
                            Stats.BatchDone();
                        }

                        Log.BatchCommitted(_log, batch.Id, batch.Inputs.Count, staged.FileCount);
                        committed?.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped: batches not committed stay in staging and are discarded by the next run.
            }
        }
    }

    /// <summary>Whether any of a staged batch's inputs is checkpointed: the batch passed its commit point.</summary>
    private static async ValueTask<bool> AnyDoneAsync(IInputCheckpoint checkpoint, BatchManifest manifest, CancellationToken ct)
    {
        foreach (var key in manifest.Inputs)
        {
            if (await checkpoint.IsDoneAsync(key, ct).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A batch written to staging, for the committer; <paramref name="Committed"/> is completed once it is in the table.</summary>
    private sealed record PendingCommit(StagedBatch Staged, ArchiveBatch Batch, TaskCompletionSource? Committed = null);

    /// <summary>What every batch of one run shares.</summary>
    private sealed record RunContext(
        ILakeSink Sink, StagingArea Area, IInputCheckpoint Checkpoint, ParquetSettings Parquet, string FilterText, IngestRequest Request, IArchiveStore Store,
        System.Collections.Concurrent.ConcurrentDictionary<string, UnreadableInput> Unreadable,
        System.Collections.Concurrent.ConcurrentDictionary<string, int> PartsLeft)
    {
        /// <summary>Counts <paramref name="input"/> read: a whole file, or a part (the file counts once its last part is read).</summary>
        public void InputDone(IngestStats stats, ArchiveInput input)
        {
            // A chunk of a gzip file: its file's bytes are counted as it is cut, the file once every chunk is committed.
            if (input.Part is { Inflated: true })
            {
                return;
            }

            var fileDone = input.Part is null || PartsLeft.AddOrUpdate(input.Identity, 0, (_, n) => n - 1) == 0;
            stats.InputDone(input.ReadBytes, fileDone);
        }
    }

    /// <summary>
    /// The parts <paramref name="input"/> is read in (<see cref="InputSplitter"/>), or the input alone. Only local files
    /// (seekable) are split; one that cannot be opened here is left whole, for the read to retry and report.
    /// </summary>
    private async Task<IReadOnlyList<ArchiveInput>> SplitAsync(ArchiveInput input, IArchiveStore store, CancellationToken ct)
    {
        if (store is not LocalArchiveStore || input.Size < Math.Min(2 * options.PartBytes, options.InflateAheadBytes))
        {
            return [input];
        }

        try
        {
            var stream = await store.OpenAsync(input, ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                // A large gzip file is cut as it is inflated, if its content turns out to be newline-delimited JSON.
                if (input.Size >= options.InflateAheadBytes && await IsGzipAsync(stream, ct).ConfigureAwait(false))
                {
                    return [input with { SplitWhenInflated = true }];
                }

                if (input.Size < 2 * options.PartBytes)
                {
                    return [input];
                }

                var parts = InputSplitter.Split(input, stream, options.PartBytes);
                if (parts.Count > 1)
                {
                    Log.InputSplit(_log, input.Identity, input.Size, parts.Count);
                }
                else if (input.Part is null)
                {
                    // No line break to cut at by range (concatenated JSON, one document): read in order and cut
                    // between values where it can be (InflatedSplitter), as a large gzip file is.
                    return [input with { SplitWhenInflated = true }];
                }

                return parts;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [input];
        }
    }

    private static async Task<bool> IsGzipAsync(Stream stream, CancellationToken ct)
    {
        var head = new byte[2];
        var n = await stream.ReadAtLeastAsync(head, 2, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        return n == 2 && head[0] == 0x1F && head[1] == 0x8B;
    }

    /// <summary>How often, and after how long, opening an input is tried again.</summary>
    private static readonly TimeSpan[] OpenRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)];

    /// <summary>
    /// Reads a batch's inputs and writes its files to staging; the committer makes them durable. An input that cannot
    /// be opened (I/O, permissions), after retries, is left out of the batch and out of the checkpoint: its content
    /// was never judged, so the next run reads it. A read that fails once decoding has begun fails the batch, since
    /// part of the input may be in its buffers; the batch is redone by the next run.
    /// </summary>
    /// <param name="batch">The batch.</param>
    /// <param name="decoder">This worker's decoder.</param>
    /// <param name="buffers">This worker's lake-partition buffers.</param>
    /// <param name="run">What the run's batches share.</param>
    /// <param name="ct">Stops the read.</param>
    /// <param name="content">The inputs' bytes when they are not to be opened from the store (a chunk of a gzip file in memory).</param>
    private async Task<StagedBatch> WriteBatchAsync(
        ArchiveBatch batch, RecordDecoder decoder, PartitionBuffers buffers, RunContext run, CancellationToken ct, Func<ArchiveInput, IRecordSink, Stream?>? content = null)
    {
        var staged = new StagedBatch(run.Area, batch.Id);
        using (var sink = new BatchSink(staged, buffers, Stats, run.Parquet, run.Request.From, run.Request.To))
        {
            foreach (var input in batch.Inputs)
            {
                ct.ThrowIfCancellationRequested();
                var stream = content is null ? await OpenAsync(input, run, ct).ConfigureAwait(false) : content(input, sink);
                if (stream is null)
                {
                    continue;
                }

                var context = input.Part is { } part
                    ? new InputContext(input.Identity, input.Account, part.Label, part.Start)
                    : new InputContext(input.Identity, input.Account);
                try
                {
                    decoder.Decode(stream, context, sink, input.ReadBytes);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IngestException($"reading {input.Describe} failed part-way ({e.Message}); its batch is not committed, so run again to read it", e);
                }
                finally
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }

                sink.PublishCounts();
                run.InputDone(Stats, input);
            }

            sink.Complete();
        }

        return staged;
    }

    private async Task<Stream?> OpenAsync(ArchiveInput input, RunContext run, CancellationToken ct)
    {
        try
        {
            var stream = await _openRetry.ExecuteAsync(static (state, token) => new ValueTask<Stream>(state.Store.OpenAsync(state.input, token)), (run.Store, input), ct)
                .ConfigureAwait(false);
            return input.Part is { } part ? new RangeStream(stream, part.Start, part.Length) : stream;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            run.Unreadable[ArchiveScanner.CheckpointKey(input, run.FilterText)] = new UnreadableInput(input.Describe, e.Message);
            Log.InputUnreadable(_log, input.Describe, OpenRetryDelays.Length + 1, e.Message);
            return null;
        }
    }

    /// <summary>
    /// True when the lock file is held by another process: EWOULDBLOCK from the lock (11 on Linux, 35 on macOS; a
    /// sharing violation on Windows). Anything else, a read-only file system (EROFS) among them, is "not writable".
    /// </summary>
    private static bool IsLockHeld(IOException e) => e.HResult is 11 or 35 || e.HResult == unchecked((int)0x80070020);

    private static FileStream LockLake(LakeLayout lake)
    {
        try
        {
            Directory.CreateDirectory(lake.CheckpointsDirectory);
            return new FileStream(Path.Combine(lake.CheckpointsDirectory, "ingest.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IngestException($"lake is not writable: {lake.Root} ({e.Message})", e);
        }
        catch (IOException e) when (IsLockHeld(e))
        {
            throw new IngestException($"another ingest is running on the lake {lake.Root} (lock held on _checkpoints/ingest.lock)", e);
        }
        catch (IOException e)
        {
            throw new IngestException($"lake is not writable: {lake.Root} ({e.Message})", e);
        }
    }
}

namespace Pipeline.Lake;

/// <summary>Which inputs a lake already holds: the file and S3 backfills' checkpoint.</summary>
public interface IInputCheckpoint
{
    /// <summary>Whether the input is done (reads its delivery day's checkpoint the first time that day is asked about).</summary>
    ValueTask<bool> IsDoneAsync(string key, CancellationToken cancellationToken);

    /// <summary>Records inputs as done; completes once that is durable.</summary>
    Task MarkDoneAsync(IEnumerable<(string BatchId, string Key)> entries, CancellationToken cancellationToken);
}

/// <summary>A staged file and where it goes in the lake.</summary>
/// <param name="Staged">Its name in the staging folder.</param>
/// <param name="Target">Its lake-relative path, '/'-separated.</param>
public sealed record StagedFile(string Staged, string Target);

/// <summary>
/// What a staged batch wrote and what it covers: the input checkpoint keys of a backfill, or the last position of
/// a stream partition's batch. Recovery decides from it, against the source's checkpoint, whether the batch is kept.
/// </summary>
/// <param name="Batch">The batch's ID (it names the staged files and the files in the table).</param>
/// <param name="Files">Its files.</param>
/// <param name="Inputs">What it covers.</param>
public sealed record BatchManifest(string Batch, IReadOnlyList<StagedFile> Files, IReadOnlyList<string> Inputs);

/// <summary>Where batches are staged: a local folder, and the scope of the lake they belong to (backfill files, or one stream partition).</summary>
/// <param name="Directory">The local staging folder of the batches' files.</param>
/// <param name="Scope">Names the batches' source in the lake: <c>files</c>, or a stream partition such as <c>kafka-TOPIC-3</c>.</param>
public sealed record StagingArea(string Directory, string Scope)
{
    /// <summary>Turns an owner's name into one safe in folder names and object keys.</summary>
    public static string SafeName(string name) =>
        string.Create(name.Length, name, (span, o) =>
        {
            for (var i = 0; i < o.Length; i++)
            {
                span[i] = char.IsAsciiLetterOrDigit(o[i]) || o[i] is '-' or '_' or '.' ? o[i] : '_';
            }
        });

    /// <summary>Removes a batch's staged files and manifest from the folder, if any are there.</summary>
    public void DeleteBatch(string batchId)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            // Recovered away by a new owner of the input (a stream partition taken over).
            return;
        }

        foreach (var stale in System.IO.Directory.EnumerateFiles(Directory, batchId + ".*"))
        {
            File.Delete(stale);
        }
    }
}

/// <summary>What becomes of a staged batch found by <see cref="ILakeSink.ResolveAsync"/>.</summary>
public enum StagedDecision
{
    /// <summary>Its checkpoint moved: publish it.</summary>
    Publish,

    /// <summary>Its checkpoint did not move and will not: remove it.</summary>
    Discard,

    /// <summary>Not the caller's to decide (another reader's batch of stream partitions the caller does not hold): leave it.</summary>
    Keep,
}

/// <summary>What recovery found in a staging area.</summary>
/// <param name="Finished">Batches the checkpoint covers, published now.</param>
/// <param name="Discarded">Staged files and batches the checkpoint does not cover, removed.</param>
public sealed record SinkRecovery(IReadOnlyList<BatchManifest> Finished, int Discarded);

/// <summary>
/// The one sink contract of every source, with one protocol: <see cref="StageAsync"/> makes batches durable
/// (synced files and a manifest on a local disk; complete objects and an intent in S3); then the source moves its
/// own checkpoint (the commit point: an input checkpoint, a Kinesis lease, a Kafka offset); then
/// <see cref="PublishAsync"/> makes them part of the table, or <see cref="DiscardAsync"/> removes them when the
/// checkpoint could not move. Whatever a crash leaves is resolved by <see cref="RecoverAsync"/> against the
/// checkpoint. A local folder and S3 implement it.
/// </summary>
public interface ILakeSink
{
    /// <summary>How the lake is named in logs and summaries.</summary>
    string Describe { get; }

    /// <summary>Local folders for staging and checkpoints (and, for a local lake, the table itself).</summary>
    LakeLayout Local { get; }

    /// <summary>True when staged batches are visible as objects before they are published (S3), so their names must be the owner's own.</summary>
    bool IsObjectStore { get; }

    /// <summary>The backfills' input checkpoint, kept with the lake.</summary>
    IInputCheckpoint InputCheckpoint { get; }

    /// <summary>Makes the batches durable; completes once they survive a crash. Their checkpoint has not moved yet.</summary>
    Task StageAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken);

    /// <summary>The batches' checkpoint moved: makes them part of the table, durably.</summary>
    Task PublishAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken);

    /// <summary>The batch's checkpoint could not move: removes it, staged or uploaded, so that nothing of it is visible.</summary>
    Task DiscardAsync(StagingArea area, BatchManifest batch, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes what a crash left staged in <paramref name="area"/> that <paramref name="committed"/> says the
    /// checkpoint covers, and removes everything else. Call before reading the area's source again.
    /// </summary>
    Task<SinkRecovery> RecoverAsync(StagingArea area, Func<BatchManifest, ValueTask<bool>> committed, CancellationToken cancellationToken);

    /// <summary>
    /// Decides each staged batch (manifest or intent) in <paramref name="area"/> by <paramref name="decide"/>:
    /// publishes, removes or leaves it. Unlike <see cref="RecoverAsync"/> it touches nothing else, so it is safe on
    /// an area another reader may still be writing to (a batch of several stream partitions, some of them still that
    /// reader's). Safe when that reader publishes the same batch at the same time.
    /// </summary>
    Task<SinkRecovery> ResolveAsync(StagingArea area, Func<BatchManifest, ValueTask<StagedDecision>> decide, CancellationToken cancellationToken);
}

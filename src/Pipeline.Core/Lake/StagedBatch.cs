using System.Text.Json;

namespace Pipeline.Lake;

/// <summary>A staged file and where it goes in the lake.</summary>
/// <param name="Staged">Its name in the staging folder.</param>
/// <param name="Target">Its lake-relative path, '/'-separated.</param>
internal sealed record StagedFile(string Staged, string Target);

/// <summary>What a committed batch wrote and which inputs it covers: the commit record, kept in staging.</summary>
internal sealed record BatchManifest(string Batch, List<StagedFile> Files, List<string> Inputs);

/// <summary>
/// Two-phase commit of batches into a local lake. A batch's files are written flat into <c>_staging/</c> as
/// <c>&lt;batch&gt;.&lt;n&gt;.*</c>; once they are durable, writing <c>&lt;batch&gt;.manifest.json</c> atomically is the
/// commit point; then each file is renamed to its place in the table and the inputs are checkpointed. A crash
/// before the manifest leaves only staged files, which the next run deletes; a crash after it is finished by the
/// next run. File names come from the batch, so a replay rewrites the same names rather than adding copies.
/// </summary>
internal sealed class StagedBatch
{
    private const string ManifestSuffix = ".manifest.json";
    private readonly LakeLayout _lake;
    private readonly string _staging;
    private readonly List<StagedFile> _files = [];

    /// <param name="lake">The lake the batch goes into.</param>
    /// <param name="batchId">Names the staged files and, through the writer, the files in the table.</param>
    /// <param name="stagingDirectory">Where to stage; default the lake's <c>_staging/</c>. Stream sources stage per shard.</param>
    public StagedBatch(LakeLayout lake, string batchId, string? stagingDirectory = null)
    {
        _lake = lake;
        _staging = stagingDirectory ?? lake.StagingDirectory;
        BatchId = batchId;
        System.IO.Directory.CreateDirectory(_staging);
        foreach (var stale in System.IO.Directory.EnumerateFiles(_staging, batchId + ".*"))
        {
            File.Delete(stale);
        }
    }

    public string BatchId { get; }

    public int FileCount => _files.Count;

    /// <summary>Registers a file that will become <paramref name="target"/> (lake-relative) and returns where to write it.</summary>
    public string Reserve(string target)
    {
        var staged = $"{BatchId}.{_files.Count}{Path.GetExtension(target)}";
        _files.Add(new StagedFile(staged, target));
        return Path.Combine(_staging, staged);
    }

    /// <summary>
    /// First half of a commit whose commit point is outside the lake (a stream checkpoint): makes the files durable
    /// and records them with <paramref name="inputs"/> in a manifest. Follow with <see cref="PublishPrepared"/> once
    /// the checkpoint moved, or <see cref="Discard"/> if it could not.
    /// </summary>
    public void Prepare(IReadOnlyList<string> inputs)
    {
        foreach (var file in _files)
        {
            Durable.SyncFile(Path.Combine(_staging, file.Staged));
        }

        WriteManifest(_staging, new BatchManifest(BatchId, [.. _files], [.. inputs]));
        Durable.SyncDirectory(_staging);
    }

    /// <summary>The prepared files: where each is staged and its lake-relative target.</summary>
    public IReadOnlyList<(string StagedPath, string Target)> PreparedFiles() =>
        [.. _files.Select(f => (Path.Combine(_staging, f.Staged), f.Target))];

    /// <summary>Second half: renames the prepared files into the table, makes that durable, drops the manifest.</summary>
    public void PublishPrepared()
    {
        var touched = new HashSet<string>(StringComparer.Ordinal);
        Move(_lake, _staging, new BatchManifest(BatchId, _files, []), touched);
        foreach (var dir in touched)
        {
            Durable.SyncDirectory(dir);
        }

        File.Delete(Path.Combine(_staging, BatchId + ManifestSuffix));
    }

    /// <summary>Removes the batch's staged files and manifest (its checkpoint could not move).</summary>
    public void Discard()
    {
        if (!System.IO.Directory.Exists(_staging))
        {
            // Recovered away by a new owner of the input (a stream shard taken over).
            return;
        }

        foreach (var stale in System.IO.Directory.EnumerateFiles(_staging, BatchId + ".*"))
        {
            File.Delete(stale);
        }
    }

    /// <summary>
    /// Recovery for a staging folder whose commit point is an external checkpoint: prepared batches that
    /// <paramref name="committed"/> accepts are published, everything else is deleted.
    /// </summary>
    public static (int Finished, int Discarded) RecoverPrepared(LakeLayout lake, string stagingDirectory, Func<BatchManifest, bool> committed)
    {
        if (!System.IO.Directory.Exists(stagingDirectory))
        {
            return (0, 0);
        }

        var finished = 0;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifest in ReadManifests(stagingDirectory).Where(committed))
        {
            Move(lake, stagingDirectory, manifest, touched);
            finished++;
        }

        foreach (var dir in touched)
        {
            Durable.SyncDirectory(dir);
        }

        var discarded = 0;
        foreach (var leftover in System.IO.Directory.EnumerateFiles(stagingDirectory).ToList())
        {
            discarded += leftover.EndsWith(ManifestSuffix, StringComparison.Ordinal) ? 0 : 1;
            File.Delete(leftover);
        }

        return (finished, discarded);
    }

    /// <summary>Commits this batch alone. Returns once its inputs are checkpointed.</summary>
    public void Commit(IReadOnlyList<string> inputKeys, IInputCheckpoint checkpoint) => CommitGroup([(this, inputKeys)], checkpoint);

    /// <summary>
    /// Commits several batches with the ordering of one: their files durable, then their manifests (each batch's
    /// commit point), then the renames into the table, then the checkpoint (one append for the group).
    /// </summary>
    public static void CommitGroup(IReadOnlyList<(StagedBatch Batch, IReadOnlyList<string> InputKeys)> group, IInputCheckpoint checkpoint, ILakePublisher? publisher = null)
    {
        if (group.Count == 0)
        {
            return;
        }

        var lake = group[0].Batch._lake;
        foreach (var (batch, _) in group)
        {
            foreach (var file in batch._files)
            {
                Durable.SyncFile(Path.Combine(batch._staging, file.Staged));
            }
        }

        Durable.SyncDirectory(lake.StagingDirectory);

        var manifests = new List<BatchManifest>(group.Count);
        foreach (var (batch, keys) in group)
        {
            var manifest = new BatchManifest(batch.BatchId, [.. batch._files], [.. keys]);
            WriteManifest(lake.StagingDirectory, manifest);
            manifests.Add(manifest);
        }

        Durable.SyncDirectory(lake.StagingDirectory);

        Publish(lake, manifests, checkpoint, publisher);
        foreach (var manifest in manifests)
        {
            File.Delete(Path.Combine(lake.StagingDirectory, manifest.Batch + ManifestSuffix));
        }
    }

    /// <summary>Finishes committed batches a crash interrupted and removes uncommitted ones. Call before ingesting.</summary>
    public static (int Finished, int Discarded) Recover(LakeLayout lake, IInputCheckpoint checkpoint, ILakePublisher? publisher = null)
    {
        if (!System.IO.Directory.Exists(lake.StagingDirectory))
        {
            return (0, 0);
        }

        var manifests = ReadManifests(lake.StagingDirectory);
        Publish(lake, manifests, checkpoint, publisher);
        var discarded = 0;
        foreach (var leftover in System.IO.Directory.EnumerateFiles(lake.StagingDirectory).ToList())
        {
            if (!leftover.EndsWith(ManifestSuffix, StringComparison.Ordinal))
            {
                discarded++;
            }

            File.Delete(leftover);
        }

        return (manifests.Count, discarded);
    }

    /// <summary>Renames (or uploads) committed batches' files into the table, makes that durable, then checkpoints their inputs.</summary>
    private static void Publish(LakeLayout lake, List<BatchManifest> manifests, IInputCheckpoint checkpoint, ILakePublisher? publisher)
    {
        if (publisher is not null)
        {
            var files = manifests.SelectMany(m => m.Files)
                .Select(f => (Path.Combine(lake.StagingDirectory, f.Staged), f.Target))
                .Where(f => File.Exists(f.Item1))
                .ToList();
            publisher.Publish(files);
            checkpoint.MarkDone(manifests.SelectMany(m => m.Inputs.Select(k => (m.Batch, k))));
            return;
        }

        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifest in manifests)
        {
            Move(lake, lake.StagingDirectory, manifest, touched);
        }

        foreach (var dir in touched)
        {
            Durable.SyncDirectory(dir);
        }

        checkpoint.MarkDone(manifests.SelectMany(m => m.Inputs.Select(k => (m.Batch, k))));
    }

    private static List<BatchManifest> ReadManifests(string staging)
    {
        var manifests = new List<BatchManifest>();
        foreach (var path in System.IO.Directory.EnumerateFiles(staging, "*" + ManifestSuffix).Order(StringComparer.Ordinal))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllBytes(path), CheckpointJson.Default.BatchManifest) is { } m)
                {
                    manifests.Add(m);
                }
            }
            catch (JsonException)
            {
                // A manifest is written to a temporary name and renamed, so a torn one is not a commit.
            }
        }

        return manifests;
    }

    private static void WriteManifest(string staging, BatchManifest manifest)
    {
        var path = Path.Combine(staging, manifest.Batch + ManifestSuffix);
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(fs, manifest, CheckpointJson.Default.BatchManifest);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Renames a committed batch's files into the table (replacing same-named files of a replay).</summary>
    private static void Move(LakeLayout lake, string staging, BatchManifest manifest, HashSet<string> touched)
    {
        foreach (var file in manifest.Files)
        {
            var staged = Path.Combine(staging, file.Staged);
            if (!File.Exists(staged))
            {
                // Moved before a crash.
                continue;
            }

            var target = lake.Resolve(file.Target);
            var targetDir = Path.GetDirectoryName(target)!;
            if (touched.Add(targetDir))
            {
                Durable.CreateDirectory(targetDir);
            }

            File.Move(staged, target, overwrite: true);
        }
    }
}

using System.Text.Json;

namespace Pipeline.Lake;

/// <summary>
/// A lake in a local folder. A batch's files are written flat into a staging folder as
/// <c>&lt;batch&gt;.&lt;n&gt;.*</c>; staging syncs them and writes <c>&lt;batch&gt;.manifest.json</c> atomically;
/// publishing renames each file to its place in the table, syncs the folders and drops the manifest. File names
/// come from the batch, so a replay rewrites the same names rather than adding copies.
/// </summary>
public sealed class LocalLake : ILakeSink
{
    private const string ManifestSuffix = ".manifest.json";
    private readonly Lazy<IInputCheckpoint> _checkpoint;

    /// <param name="root">The lake's root folder.</param>
    public LocalLake(string root)
    {
        Local = new LakeLayout(root);
        _checkpoint = new Lazy<IInputCheckpoint>(() => new FileCheckpoint(
            Path.Combine(Local.CheckpointsDirectory, "files"), legacyFile: Path.Combine(Local.CheckpointsDirectory, "files.jsonl")));
    }

    public string Describe => Local.Root;

    public LakeLayout Local { get; }

    public bool IsObjectStore => false;

    public IInputCheckpoint InputCheckpoint => _checkpoint.Value;

    public Task StageAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken)
    {
        foreach (var file in batches.SelectMany(b => b.Files))
        {
            Durable.SyncFile(Path.Combine(area.Directory, file.Staged));
        }

        Durable.SyncDirectory(area.Directory);
        foreach (var batch in batches)
        {
            WriteManifest(area.Directory, batch);
        }

        Durable.SyncDirectory(area.Directory);
        return Task.CompletedTask;
    }

    public Task PublishAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken)
    {
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in batches)
        {
            Move(area.Directory, batch, touched);
        }

        foreach (var dir in touched)
        {
            Durable.SyncDirectory(dir);
        }

        foreach (var batch in batches)
        {
            File.Delete(Path.Combine(area.Directory, batch.Batch + ManifestSuffix));
        }

        return Task.CompletedTask;
    }

    public Task DiscardAsync(StagingArea area, BatchManifest batch, CancellationToken cancellationToken)
    {
        area.DeleteBatch(batch.Batch);
        return Task.CompletedTask;
    }

    public async Task<SinkRecovery> RecoverAsync(StagingArea area, Func<BatchManifest, ValueTask<bool>> committed, CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(area.Directory))
        {
            return new SinkRecovery([], 0);
        }

        var finished = new List<BatchManifest>();
        foreach (var manifest in ReadManifests(area.Directory))
        {
            if (await committed(manifest).ConfigureAwait(false))
            {
                finished.Add(manifest);
            }
        }

        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifest in finished)
        {
            Move(area.Directory, manifest, touched);
        }

        foreach (var dir in touched)
        {
            Durable.SyncDirectory(dir);
        }

        var discarded = 0;
        foreach (var leftover in System.IO.Directory.EnumerateFiles(area.Directory).ToList())
        {
            discarded += leftover.EndsWith(ManifestSuffix, StringComparison.Ordinal) ? 0 : 1;
            File.Delete(leftover);
        }

        return new SinkRecovery(finished, discarded);
    }

    public async Task<SinkRecovery> ResolveAsync(StagingArea area, Func<BatchManifest, ValueTask<StagedDecision>> decide, CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(area.Directory))
        {
            return new SinkRecovery([], 0);
        }

        var finished = new List<BatchManifest>();
        var discarded = 0;
        foreach (var manifest in ReadManifests(area.Directory))
        {
            switch (await decide(manifest).ConfigureAwait(false))
            {
                case StagedDecision.Publish:
                    finished.Add(manifest);
                    break;
                case StagedDecision.Discard:
                    area.DeleteBatch(manifest.Batch);
                    discarded++;
                    break;
                default:
                    break;
            }
        }

        if (finished.Count > 0)
        {
            await PublishAsync(area, finished, cancellationToken).ConfigureAwait(false);
        }

        return new SinkRecovery(finished, discarded);
    }

    /// <summary>Manifests in a staging folder, in name order; a torn one (never renamed into place) is not a manifest.</summary>
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
                // Written to a temporary name and renamed: a torn one was never staged.
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

    /// <summary>Renames a batch's files into the table (replacing same-named files of a replay).</summary>
    private void Move(string staging, BatchManifest manifest, HashSet<string> touched)
    {
        foreach (var file in manifest.Files)
        {
            var staged = Path.Combine(staging, file.Staged);
            if (!File.Exists(staged))
            {
                // Moved before a crash.
                continue;
            }

            var target = Local.Resolve(file.Target);
            var targetDir = Path.GetDirectoryName(target)!;
            if (touched.Add(targetDir))
            {
                // The folders it had to create go into the set too: each is synced once, with the targets, before
                // the publish returns.
                Durable.CreateDirectory(targetDir, touched);
            }

            try
            {
                File.Move(staged, target, overwrite: true);
            }
            catch (FileNotFoundException)
            {
                // Moved meanwhile by another reader publishing the same batch (a stream batch resolved by two owners).
            }
        }
    }
}

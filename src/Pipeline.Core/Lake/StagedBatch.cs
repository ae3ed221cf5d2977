namespace Pipeline.Lake;

/// <summary>What a committed batch wrote and which inputs it covers: the commit record in its staging folder.</summary>
internal sealed record BatchManifest(string Batch, List<string> Files, List<string> Inputs);

/// <summary>
/// Two-phase commit of one batch into a local lake. Files are written under <c>_staging/&lt;batch&gt;/</c> and
/// synced; writing <c>_MANIFEST.json</c> (atomically) is the commit point; then each file is renamed into the
/// table and the inputs are checkpointed. A crash before the manifest leaves only staging, which the next run
/// deletes; a crash after it is finished by the next run. Either way no partial batch stays visible for long,
/// and file names come from the batch, so a replay rewrites the same names rather than adding copies.
/// </summary>
internal sealed class StagedBatch
{
    private const string ManifestName = "_MANIFEST.json";
    private readonly LakeLayout _lake;
    private readonly List<string> _files = [];

    public StagedBatch(LakeLayout lake, string batchId)
    {
        _lake = lake;
        BatchId = batchId;
        Directory = Path.Combine(lake.StagingDirectory, batchId);
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(Directory);
    }

    public string BatchId { get; }

    public string Directory { get; }

    public IReadOnlyList<string> Files => _files;

    /// <summary>A path in staging for a lake-relative path; its folder exists.</summary>
    public string PathFor(string relative)
    {
        var path = Path.Combine(Directory, relative.Replace('/', Path.DirectorySeparatorChar));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    /// <summary>Registers a written file for the commit (which syncs it before the manifest).</summary>
    public void Add(string relative) => _files.Add(relative);

    /// <summary>Commits: manifest, publish, checkpoint, clean up. Returns once the inputs are checkpointed.</summary>
    public void Commit(IReadOnlyList<string> inputKeys, FileCheckpoint checkpoint)
    {
        foreach (var file in _files)
        {
            Durable.SyncFile(PathFor(file));
        }

        foreach (var dir in _files.Select(f => Path.GetDirectoryName(PathFor(f))!).Distinct())
        {
            Durable.SyncDirectory(dir);
        }

        var manifest = new BatchManifest(BatchId, [.. _files], [.. inputKeys]);
        Durable.WriteAtomic(Path.Combine(Directory, ManifestName),
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(manifest, CheckpointJson.Default.BatchManifest));
        Publish(_lake, Directory, manifest, checkpoint);
    }

    /// <summary>Finishes committed batches a crash interrupted and removes uncommitted ones. Call before ingesting.</summary>
    public static (int Finished, int Discarded) Recover(LakeLayout lake, FileCheckpoint checkpoint)
    {
        if (!System.IO.Directory.Exists(lake.StagingDirectory))
        {
            return (0, 0);
        }

        var finished = 0;
        var discarded = 0;
        foreach (var dir in System.IO.Directory.GetDirectories(lake.StagingDirectory).Order(StringComparer.Ordinal))
        {
            var manifestPath = Path.Combine(dir, ManifestName);
            BatchManifest? manifest = null;
            if (File.Exists(manifestPath))
            {
                try
                {
                    manifest = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllBytes(manifestPath), CheckpointJson.Default.BatchManifest);
                }
                catch (System.Text.Json.JsonException)
                {
                    manifest = null;
                }
            }

            if (manifest is null)
            {
                System.IO.Directory.Delete(dir, recursive: true);
                discarded++;
            }
            else
            {
                Publish(lake, dir, manifest, checkpoint);
                finished++;
            }
        }

        return (finished, discarded);
    }

    private static void Publish(LakeLayout lake, string stagingDir, BatchManifest manifest, FileCheckpoint checkpoint)
    {
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var relative in manifest.Files)
        {
            var staged = Path.Combine(stagingDir, relative.Replace('/', Path.DirectorySeparatorChar));
            var target = lake.Resolve(relative);
            if (!File.Exists(staged))
            {
                // Moved before the crash.
                continue;
            }

            var targetDir = Path.GetDirectoryName(target)!;
            if (touched.Add(targetDir))
            {
                Durable.CreateDirectory(targetDir);
            }

            File.Move(staged, target, overwrite: true);
        }

        foreach (var dir in touched)
        {
            Durable.SyncDirectory(dir);
        }

        checkpoint.MarkDone(manifest.Batch, manifest.Inputs);
        System.IO.Directory.Delete(stagingDir, recursive: true);
    }
}

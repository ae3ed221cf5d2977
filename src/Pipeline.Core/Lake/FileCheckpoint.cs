using System.Text;
using System.Text.Json;

namespace Pipeline.Lake;

/// <summary>
/// The set of inputs whose rows are durable in the lake: append-only JSON-lines files, one per delivery day
/// (<see cref="CheckpointDay"/>), each synced after every append and read only when a run first meets that day.
/// A line cut short by a crash is ignored on load: its batch is still staged, and recovery publishes it and marks it
/// again when any other of its inputs made it, or removes it to be read again when none did. A lake written before the files were split keeps its single <c>files.jsonl</c>, read whole at start.
/// </summary>
internal sealed class FileCheckpoint : IInputCheckpoint
{
    private readonly string _directory;
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <param name="directory">The folder of the day files (<c>_checkpoints/files</c>).</param>
    /// <param name="legacyFile">The single checkpoint file of older lakes, read if it exists.</param>
    public FileCheckpoint(string directory, string? legacyFile = null)
    {
        _directory = directory;
        if (legacyFile is not null)
        {
            Load(legacyFile);
        }
    }

    public ValueTask<bool> IsDoneAsync(string key, CancellationToken cancellationToken) => ValueTask.FromResult(IsDone(key));

    public Task MarkDoneAsync(IEnumerable<(string BatchId, string Key)> entries, CancellationToken cancellationToken)
    {
        MarkDone(entries);
        return Task.CompletedTask;
    }

    public bool IsDone(string key)
    {
        lock (_gate)
        {
            EnsureLoaded(CheckpointDay.Of(key));
            return _done.Contains(key);
        }
    }

    /// <summary>Records the input keys of committed batches; returns once they are on disk.</summary>
    public void MarkDone(IEnumerable<(string BatchId, string Key)> entries)
    {
        lock (_gate)
        {
            var added = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (batchId, key) in entries)
            {
                var shard = CheckpointDay.Of(key);
                EnsureLoaded(shard);
                if (_done.Contains(key) || !keys.Add(key))
                {
                    continue;
                }

                if (!added.TryGetValue(shard, out var lines))
                {
                    added[shard] = lines = new StringBuilder();
                }

                lines.Append(JsonSerializer.Serialize(new CheckpointLine(key, batchId), CheckpointJson.Default.CheckpointLine)).Append('\n');
            }

            if (added.Count == 0)
            {
                return;
            }

            if (!Directory.Exists(_directory))
            {
                Directory.CreateDirectory(_directory);
                Durable.SyncDirectory(Path.GetDirectoryName(_directory)!);
            }

            var created = false;
            foreach (var (shard, lines) in added)
            {
                var path = ShardPath(shard);
                created |= !File.Exists(path);
                using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
                fs.Write(Encoding.UTF8.GetBytes(lines.ToString()));
                fs.Flush(flushToDisk: true);
            }

            if (created)
            {
                Durable.SyncDirectory(_directory);
            }

            _done.UnionWith(keys);
        }
    }

    private string ShardPath(string shard) => Path.Combine(_directory, shard + ".jsonl");

    private void EnsureLoaded(string shard)
    {
        if (_loaded.Add(shard))
        {
            Load(ShardPath(shard));
        }
    }

    private void Load(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        foreach (var line in File.ReadLines(path))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("key", out var key) && key.GetString() is { } k)
                {
                    _done.Add(k);
                }
            }
            catch (JsonException)
            {
                // A torn last line from a crash mid-append; the batch it belonged to is not done.
            }
        }
    }
}

internal sealed record CheckpointLine(string Key, string Batch);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(CheckpointLine))]
[System.Text.Json.Serialization.JsonSerializable(typeof(BatchManifest))]
internal sealed partial class CheckpointJson : System.Text.Json.Serialization.JsonSerializerContext;

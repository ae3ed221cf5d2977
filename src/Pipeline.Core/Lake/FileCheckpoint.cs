using System.Text;
using System.Text.Json;

namespace Pipeline.Lake;

/// <summary>
/// The set of inputs whose rows are durable in the lake: an append-only JSON-lines file, synced after every
/// append. A line cut short by a crash is ignored on load (its batch is then redone, rewriting the same files).
/// </summary>
internal sealed class FileCheckpoint : IInputCheckpoint
{
    private readonly string _path;
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public FileCheckpoint(string path)
    {
        _path = path;
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

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _done.Count;
            }
        }
    }

    public bool IsDone(string key)
    {
        lock (_gate)
        {
            return _done.Contains(key);
        }
    }

    /// <summary>Records the input keys of committed batches; returns once they are on disk.</summary>
    public void MarkDone(IEnumerable<(string BatchId, string Key)> entries)
    {
        lock (_gate)
        {
            var sb = new StringBuilder();
            var added = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (batchId, key) in entries)
            {
                if (_done.Contains(key) || added.Contains(key))
                {
                    continue;
                }

                sb.Append(JsonSerializer.Serialize(new CheckpointLine(key, batchId), CheckpointJson.Default.CheckpointLine)).Append('\n');
                added.Add(key);
            }

            if (added.Count == 0)
            {
                return;
            }

            var dir = Path.GetDirectoryName(_path)!;
            var created = !File.Exists(_path);
            Directory.CreateDirectory(dir);
            using (var fs = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                fs.Write(Encoding.UTF8.GetBytes(sb.ToString()));
                fs.Flush(flushToDisk: true);
            }

            if (created)
            {
                Durable.SyncDirectory(dir);
            }

            _done.UnionWith(added);
        }
    }
}

internal sealed record CheckpointLine(string Key, string Batch);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(CheckpointLine))]
[System.Text.Json.Serialization.JsonSerializable(typeof(BatchManifest))]
internal sealed partial class CheckpointJson : System.Text.Json.Serialization.JsonSerializerContext;

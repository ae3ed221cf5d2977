using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Kinesis.Client;
using Pipeline.Lake;

namespace Pipeline.Kinesis.Leases;

/// <summary>
/// The embedded default: one process owns every shard and keeps checkpoints in a JSON file in the lake
/// (<c>_checkpoints/kinesis/STREAM.json</c>), rewritten atomically (temporary file, fsync, rename, directory sync).
/// A lock file next to it keeps a second process off the same stream.
/// </summary>
public sealed class LocalLeaseStore : ILeaseStore, IDisposable
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private Dictionary<string, LocalShardState> _state = new(StringComparer.Ordinal);
    private FileStream? _lock;

    public LocalLeaseStore(string checkpointsDirectory, string streamName)
    {
        var dir = Path.Combine(checkpointsDirectory, "kinesis");
        _path = Path.Combine(dir, streamName + ".json");
    }

    public bool IsShared => false;

    public Task InitializeAsync(CancellationToken ct)
    {
        var dir = Path.GetDirectoryName(_path)!;
        Durable.CreateDirectory(dir);
        try
        {
            _lock = new FileStream(Path.ChangeExtension(_path, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"another process reads this stream into this lake (lock held on {Path.ChangeExtension(_path, ".lock")}); use a lease table to share a stream between workers", e);
        }

        if (File.Exists(_path))
        {
            _state = JsonSerializer.Deserialize(File.ReadAllBytes(_path), LeaseJson.Default.DictionaryStringLocalShardState)
                ?? new Dictionary<string, LocalShardState>(StringComparer.Ordinal);
        }

        return Task.CompletedTask;
    }

    public Task EnsureLeasesAsync(IReadOnlyList<Shard> shards, CancellationToken ct)
    {
        lock (_gate)
        {
            var changed = false;
            foreach (var shard in shards)
            {
                if (!_state.ContainsKey(shard.ShardId))
                {
                    _state[shard.ShardId] = new LocalShardState(null, false, [.. shard.Parents]);
                    changed = true;
                }
            }

            if (changed)
            {
                Save();
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ShardLease>> ListAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<ShardLease>>(
                [.. _state.Select(kv => new ShardLease(kv.Key, "local", 0, kv.Value.Checkpoint, kv.Value.Ended, kv.Value.Parents))]);
        }
    }

    public Task<ShardLease?> TryTakeAsync(ShardLease seen, string owner, CancellationToken ct) => Task.FromResult<ShardLease?>(seen with { Owner = owner });

    public Task<ShardLease?> TryRenewAsync(ShardLease held, CancellationToken ct) => Task.FromResult<ShardLease?>(held);

    public Task<bool> TryCheckpointAsync(string shardId, string owner, string? sequenceNumber, bool ended, CancellationToken ct)
    {
        lock (_gate)
        {
            var current = _state.GetValueOrDefault(shardId) ?? new LocalShardState(null, false, []);
            _state[shardId] = current with { Checkpoint = sequenceNumber ?? current.Checkpoint, Ended = ended || current.Ended };
            Save();
        }

        return Task.FromResult(true);
    }

    public Task ReleaseAsync(string shardId, string owner, CancellationToken ct) => Task.CompletedTask;

    public void Dispose() => _lock?.Dispose();

    private void Save()
    {
        var tmp = _path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(fs, _state, LeaseJson.Default.DictionaryStringLocalShardState);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, _path, overwrite: true);
        Durable.SyncDirectory(Path.GetDirectoryName(_path)!);
    }
}

/// <summary>A shard's entry in the local checkpoint file.</summary>
public sealed record LocalShardState(string? Checkpoint, bool Ended, List<string> Parents);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(Dictionary<string, LocalShardState>))]
internal sealed partial class LeaseJson : JsonSerializerContext;

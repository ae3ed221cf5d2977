using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Lake;

namespace Pipeline.S3;

/// <summary>
/// The backfills' input checkpoint of an S3 lake, in the bucket: one object per committed batch and delivery day
/// under <c>_checkpoints/files/DAY/</c>, so another machine can resume the run. A run reads a day's objects when it
/// first meets that day (<see cref="CheckpointShard"/>), not the whole history. Objects of older lakes directly
/// under <c>_checkpoints/files/</c> are read at start.
/// </summary>
internal sealed class S3InputCheckpoint : IInputCheckpoint
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, byte> _done = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<bool>> _loaded = new(StringComparer.Ordinal);

    /// <param name="s3">Client.</param>
    /// <param name="bucket">The lake's bucket.</param>
    /// <param name="prefix">The lake's prefix, empty or ending with '/'.</param>
    public S3InputCheckpoint(IAmazonS3 s3, string bucket, string prefix)
    {
        _s3 = s3;
        _bucket = bucket;
        _prefix = prefix;
        LoadLegacyCheckpoint();
    }

    public bool IsDone(string key)
    {
        EnsureLoaded(CheckpointShard.Of(key));
        return _done.ContainsKey(key);
    }

    public void MarkDone(IEnumerable<(string BatchId, string Key)> entries)
    {
        foreach (var batch in entries.GroupBy(e => (e.BatchId, Shard: CheckpointShard.Of(e.Key))))
        {
            EnsureLoaded(batch.Key.Shard);
            var keys = batch.Select(e => e.Key).ToList();
            var body = JsonSerializer.SerializeToUtf8Bytes(keys);
            S3Retry.Run(() => _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket,
                Key = $"{_prefix}_checkpoints/files/{batch.Key.Shard}/{batch.Key.BatchId}.json",
                InputStream = new MemoryStream(body),
                UseChunkEncoding = false,
            }));
            foreach (var key in keys)
            {
                _done[key] = 0;
            }
        }
    }

    /// <summary>Reads a day's checkpoint objects once, the first time a key of that day is asked about.</summary>
    private void EnsureLoaded(string shard) => _ = _loaded.GetOrAdd(shard, s => new Lazy<bool>(() =>
    {
        var objects = List($"{_prefix}_checkpoints/files/{s}/", delimiter: null);
        Parallel.ForEach(objects, new ParallelOptions { MaxDegreeOfParallelism = 8 }, Load);
        return true;
    })).Value;

    /// <summary>Objects written before checkpoints were kept per day: directly under <c>_checkpoints/files/</c>.</summary>
    private void LoadLegacyCheckpoint()
    {
        var folder = _prefix + "_checkpoints/files/";
        var objects = List(folder, delimiter: "/").Where(k => !k[folder.Length..].Contains('/', StringComparison.Ordinal)).ToList();
        Parallel.ForEach(objects, new ParallelOptions { MaxDegreeOfParallelism = 8 }, Load);
    }

    private List<string> List(string prefix, string? delimiter) =>
        S3Listing.Objects(_s3, _bucket, prefix, delimiter).Select(o => o.Key).Where(k => k.EndsWith(".json", StringComparison.Ordinal)).ToList();

    private void Load(string objectKey)
    {
        using var response = S3Retry.Run(() => _s3.GetObjectAsync(_bucket, objectKey));
        foreach (var key in JsonSerializer.Deserialize<List<string>>(response.ResponseStream) ?? [])
        {
            _done[key] = 0;
        }
    }
}

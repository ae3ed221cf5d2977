using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Lake;

namespace Pipeline.S3;

/// <summary>
/// The backfills' input checkpoint of an S3 lake, in the bucket: one object per committed batch and delivery day
/// under <c>_checkpoints/files/DAY/</c>, so another machine can resume the run. A run reads a day's objects when it
/// first meets that day (<see cref="CheckpointDay"/>), not the whole history. Objects of older lakes directly
/// under <c>_checkpoints/files/</c> are read at start.
/// </summary>
internal sealed class S3InputCheckpoint : IInputCheckpoint
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, byte> _done = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task>> _loaded = new(StringComparer.Ordinal);
    private readonly Lazy<Task> _legacy;

    /// <param name="s3">Client.</param>
    /// <param name="bucket">The lake's bucket.</param>
    /// <param name="prefix">The lake's prefix, empty or ending with '/'.</param>
    public S3InputCheckpoint(IAmazonS3 s3, string bucket, string prefix)
    {
        _s3 = s3;
        _bucket = bucket;
        _prefix = prefix;
        _legacy = new Lazy<Task>(() => LoadLegacyAsync(CancellationToken.None));
    }

    public async ValueTask<bool> IsDoneAsync(string key, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(CheckpointDay.Of(key), cancellationToken).ConfigureAwait(false);
        return _done.ContainsKey(key);
    }

    public async Task MarkDoneAsync(IEnumerable<(string BatchId, string Key)> entries, CancellationToken cancellationToken)
    {
        foreach (var batch in entries.GroupBy(e => (e.BatchId, Shard: CheckpointDay.Of(e.Key))))
        {
            await EnsureLoadedAsync(batch.Key.Shard, cancellationToken).ConfigureAwait(false);
            var keys = batch.Select(e => e.Key).ToList();
            var body = JsonSerializer.SerializeToUtf8Bytes(keys);
            var objectKey = $"{_prefix}_checkpoints/files/{batch.Key.Shard}/{batch.Key.BatchId}.json";
            await S3Retry.RunAsync(
                ct => _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = objectKey, InputStream = new MemoryStream(body), UseChunkEncoding = false }, ct),
                cancellationToken).ConfigureAwait(false);
            foreach (var key in keys)
            {
                _done[key] = 0;
            }
        }
    }

    /// <summary>Reads a day's checkpoint objects once, the first time a key of that day is asked about (and, first of all, the legacy ones).</summary>
    private async Task EnsureLoadedAsync(string shard, CancellationToken cancellationToken)
    {
        await _legacy.Value.ConfigureAwait(false);
        await _loaded.GetOrAdd(shard, s => new Lazy<Task>(() => LoadAllAsync($"{_prefix}_checkpoints/files/{s}/", delimiter: null, CancellationToken.None))).Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Objects written before checkpoints were kept per day: directly under <c>_checkpoints/files/</c>.</summary>
    private Task LoadLegacyAsync(CancellationToken cancellationToken) => LoadAllAsync(_prefix + "_checkpoints/files/", delimiter: "/", cancellationToken);

    private async Task LoadAllAsync(string folder, string? delimiter, CancellationToken cancellationToken)
    {
        var objects = (await S3Listing.ObjectsAsync(_s3, _bucket, folder, cancellationToken, delimiter).ConfigureAwait(false))
            .Select(o => o.Key)
            .Where(k => k.EndsWith(".json", StringComparison.Ordinal) && !k[folder.Length..].Contains('/', StringComparison.Ordinal))
            .ToList();
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, LoadAsync).ConfigureAwait(false);
    }

    private async ValueTask LoadAsync(string objectKey, CancellationToken cancellationToken)
    {
        using var response = await S3Retry.RunAsync(ct => _s3.GetObjectAsync(_bucket, objectKey, ct), cancellationToken).ConfigureAwait(false);
        foreach (var key in await JsonSerializer.DeserializeAsync<List<string>>(response.ResponseStream, cancellationToken: cancellationToken).ConfigureAwait(false) ?? [])
        {
            _done[key] = 0;
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Lake;
using Pipeline.Sources.Streams;

namespace Pipeline.S3;

/// <summary>
/// A lake in S3 (<c>s3://BUCKET/PREFIX</c>): the same <c>tls_events/event_date=…/account_id=…/</c> layout as
/// objects. Batches are staged and committed on local disk as for a local lake; publishing uploads each file to its
/// key (one PUT, or a multipart upload completed only when every part is in; a failed one is aborted, so an object
/// is visible only when whole). Keys derive from the batch, so a replay rewrites the same keys. The checkpoint is in
/// the bucket too, one object per committed batch and delivery day under <c>_checkpoints/files/DAY/</c>, written only
/// after the batch's uploads completed, so another machine can resume the run; a run reads a day's objects when it
/// first meets that day (<see cref="CheckpointShard"/>), not the whole history. Objects of older lakes directly under
/// <c>_checkpoints/files/</c> are read at start.
/// </summary>
public sealed class S3Lake : ILakeTarget, IInputCheckpoint, ILakePublisher, IRemoteLake
{
    private const long PartSize = 16L * 1024 * 1024;
    private readonly long _multipartThreshold;
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, byte> _done = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<bool>> _loaded = new(StringComparer.Ordinal);

    /// <param name="s3">Client (its retries cover throttling and 5xx).</param>
    /// <param name="uri"><c>s3://BUCKET/PREFIX</c>.</param>
    /// <param name="staging">Local folder for staging; default a folder under the temp path named after the lake.</param>
    /// <param name="multipartThreshold">Files larger than this are uploaded in parts (default 64 MiB).</param>
    public S3Lake(IAmazonS3 s3, string uri, string? staging = null, long multipartThreshold = 64L * 1024 * 1024)
    {
        _multipartThreshold = multipartThreshold;
        var location = S3ArchiveLocation.Parse(uri);
        _s3 = s3;
        _bucket = location.Bucket;
        _prefix = location.Prefix.Length == 0 || location.Prefix.EndsWith('/') ? location.Prefix : location.Prefix + "/";
        Describe = $"s3://{_bucket}/{_prefix}";
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Describe)))[..16];
        Local = new LakeLayout(staging ?? Path.Combine(Path.GetTempPath(), "pipeline-s3-lake", name));
        LoadLegacyCheckpoint();
    }

    public string Describe { get; }

    public LakeLayout Local { get; }

    public IInputCheckpoint Checkpoint => this;

    public ILakePublisher Publisher => this;

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

    public void Publish(IReadOnlyList<(string StagedPath, string Target)> files)
    {
        UploadFiles(files);
        foreach (var file in files)
        {
            File.Delete(file.StagedPath);
        }
    }

    /// <summary>Stream sources: the intent (keys and last position) first, then the objects.</summary>
    public void Upload(string partition, string batchId, string lastPosition, IReadOnlyList<(string StagedPath, string Target)> files)
    {
        var intent = JsonSerializer.SerializeToUtf8Bytes(new UploadIntent(lastPosition, [.. files.Select(f => f.Target)]));
        S3Retry.Run(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = IntentKey(partition, batchId), InputStream = new MemoryStream(intent), UseChunkEncoding = false }));
        UploadFiles(files);
    }

    public void Commit(string partition, string batchId) =>
        S3Retry.Run(() => _s3.DeleteObjectAsync(_bucket, IntentKey(partition, batchId)));

    public void Abort(string partition, string batchId)
    {
        if (ReadIntent(IntentKey(partition, batchId)) is { } intent)
        {
            DeleteTargets(intent.Targets);
        }

        S3Retry.Run(() => _s3.DeleteObjectAsync(_bucket, IntentKey(partition, batchId)));
    }

    public (int Kept, int Deleted) Recover(string partition, Func<string, bool> committed)
    {
        int kept = 0, deleted = 0;
        foreach (var o in S3Listing.Objects(_s3, _bucket, $"{_prefix}_staging/{partition}/"))
        {
            if (ReadIntent(o.Key) is { } intent)
            {
                if (committed(intent.Last))
                {
                    kept++;
                }
                else
                {
                    DeleteTargets(intent.Targets);
                    deleted++;
                }
            }

            S3Retry.Run(() => _s3.DeleteObjectAsync(_bucket, o.Key));
        }

        return (kept, deleted);
    }

    private string IntentKey(string partition, string batchId) => $"{_prefix}_staging/{partition}/{batchId}.json";

    private UploadIntent? ReadIntent(string key)
    {
        try
        {
            using var response = S3Retry.Run(() => _s3.GetObjectAsync(_bucket, key));
            return JsonSerializer.Deserialize<UploadIntent>(response.ResponseStream);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private void DeleteTargets(IEnumerable<string> targets)
    {
        foreach (var target in targets)
        {
            S3Retry.Run(() => _s3.DeleteObjectAsync(_bucket, _prefix + target));
        }
    }

    private void UploadFiles(IReadOnlyList<(string StagedPath, string Target)> files)
    {
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, file =>
        {
            var key = _prefix + file.Target;
            if (new FileInfo(file.StagedPath).Length <= _multipartThreshold)
            {
                S3Retry.Run(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, FilePath = file.StagedPath, UseChunkEncoding = false }));
            }
            else
            {
                UploadMultipart(file.StagedPath, key);
            }
        });
    }

    /// <summary>What a stream batch is about to upload: its objects and the last position it covers.</summary>
    private sealed record UploadIntent(string Last, List<string> Targets);

    /// <summary>A multipart upload, completed only when every part is in; aborted on failure so nothing is left.</summary>
    private void UploadMultipart(string path, string key)
    {
        var upload = S3Retry.Run(() => _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key }));
        try
        {
            var size = new FileInfo(path).Length;
            var parts = new List<PartETag>();
            var partSize = Math.Min(PartSize, Math.Max(5L * 1024 * 1024, _multipartThreshold));
            for (var (number, offset) = (1, 0L); offset < size; number++, offset += partSize)
            {
                var (n, o) = (number, offset);
                var part = S3Retry.Run(() => _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = n,
                    FilePath = path,
                    FilePosition = o,
                    PartSize = Math.Min(partSize, size - o),
                    UseChunkEncoding = false,
                }));
                parts.Add(new PartETag(n, part.ETag));
            }

            S3Retry.Run(() => _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = upload.UploadId, PartETags = parts }));
        }
        catch
        {
            _s3.AbortMultipartUploadAsync(_bucket, key, upload.UploadId).GetAwaiter().GetResult();
            throw;
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

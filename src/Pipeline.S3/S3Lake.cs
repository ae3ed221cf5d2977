using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Lake;

namespace Pipeline.S3;

/// <summary>
/// A lake in S3 (<c>s3://BUCKET/PREFIX</c>): the same <c>tls_events/event_date=…/account_id=…/</c> layout as
/// objects, behind the one sink contract. Batches are written to a local staging folder; staging uploads an intent
/// (the batch's manifest) to <c>_staging/SCOPE/BATCH.json</c> and then each file to its key (one PUT, or a multipart
/// upload completed only when every part is in; a failed one is aborted, so an object is visible only when whole).
/// Once the source's checkpoint moved, publishing drops the intent and the local copies; a batch whose checkpoint
/// could not move has its objects deleted. Recovery resolves a scope's leftover intents against the checkpoint, so
/// nothing depends on the local staging surviving a restart. The backfills' input checkpoint is in the bucket too
/// (<see cref="S3InputCheckpoint"/>).
/// </summary>
public sealed class S3Lake : ILakeSink
{
    private const long PartSize = 16L * 1024 * 1024;
    private readonly long _multipartThreshold;
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly Lazy<IInputCheckpoint> _checkpoint;

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
        _checkpoint = new Lazy<IInputCheckpoint>(() => new S3InputCheckpoint(s3, _bucket, _prefix));
    }

    public string Describe { get; }

    public LakeLayout Local { get; }

    public bool IsObjectStore => true;

    /// <summary>Read from the bucket when first used (stream sources never use it).</summary>
    public IInputCheckpoint InputCheckpoint => _checkpoint.Value;

    /// <summary>For each batch, the intent first, then its objects: every object complete before this returns.</summary>
    public async Task StageAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken)
    {
        foreach (var batch in batches)
        {
            var intent = JsonSerializer.SerializeToUtf8Bytes(new UploadIntent(batch.Batch, [.. batch.Inputs], [.. batch.Files.Select(f => f.Target)]));
            var key = IntentKey(area.Scope, batch.Batch);
            await S3Retry.RunAsync(
                ct => _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = new MemoryStream(intent), UseChunkEncoding = false }, ct),
                cancellationToken).ConfigureAwait(false);
        }

        var files = batches.SelectMany(b => b.Files).Select(f => (Path.Combine(area.Directory, f.Staged), f.Target)).ToList();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, UploadAsync).ConfigureAwait(false);
    }

    public async Task PublishAsync(StagingArea area, IReadOnlyList<BatchManifest> batches, CancellationToken cancellationToken)
    {
        foreach (var batch in batches)
        {
            await DeleteAsync(IntentKey(area.Scope, batch.Batch), cancellationToken).ConfigureAwait(false);
            area.DeleteBatch(batch.Batch);
        }
    }

    public async Task DiscardAsync(StagingArea area, BatchManifest batch, CancellationToken cancellationToken)
    {
        await DeleteTargetsAsync(batch.Files.Select(f => f.Target), cancellationToken).ConfigureAwait(false);
        await DeleteAsync(IntentKey(area.Scope, batch.Batch), cancellationToken).ConfigureAwait(false);
        area.DeleteBatch(batch.Batch);
    }

    /// <summary>Local copies are only dropped (the objects were complete before any checkpoint moved); the scope's intents are resolved.</summary>
    public async Task<SinkRecovery> RecoverAsync(StagingArea area, Func<BatchManifest, ValueTask<bool>> committed, CancellationToken cancellationToken)
    {
        if (System.IO.Directory.Exists(area.Directory))
        {
            foreach (var leftover in System.IO.Directory.EnumerateFiles(area.Directory).ToList())
            {
                File.Delete(leftover);
            }
        }

        return await ResolveIntentsAsync(
            area, async m => await committed(m).ConfigureAwait(false) ? StagedDecision.Publish : StagedDecision.Discard, removeUnreadable: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The scope's intents only; local copies are left to their writer.</summary>
    public Task<SinkRecovery> ResolveAsync(StagingArea area, Func<BatchManifest, ValueTask<StagedDecision>> decide, CancellationToken cancellationToken) =>
        ResolveIntentsAsync(area, decide, removeUnreadable: false, cancellationToken);

    /// <summary>Decides each intent of the scope: publish (the intent goes), discard (its objects and the intent go) or keep.</summary>
    private async Task<SinkRecovery> ResolveIntentsAsync(
        StagingArea area, Func<BatchManifest, ValueTask<StagedDecision>> decide, bool removeUnreadable, CancellationToken cancellationToken)
    {
        var finished = new List<BatchManifest>();
        var discarded = 0;
        foreach (var o in await S3Listing.ObjectsAsync(_s3, _bucket, $"{_prefix}_staging/{area.Scope}/", cancellationToken).ConfigureAwait(false))
        {
            if (await ReadIntentAsync(o.Key, cancellationToken).ConfigureAwait(false) is { } intent)
            {
                var manifest = intent.Manifest(o.Key);
                var decision = await decide(manifest).ConfigureAwait(false);
                if (decision == StagedDecision.Keep)
                {
                    continue;
                }

                if (decision == StagedDecision.Publish)
                {
                    finished.Add(manifest);
                }
                else
                {
                    await DeleteTargetsAsync(manifest.Files.Select(f => f.Target), cancellationToken).ConfigureAwait(false);
                    discarded++;
                }
            }
            else if (!removeUnreadable)
            {
                continue;
            }

            await DeleteAsync(o.Key, cancellationToken).ConfigureAwait(false);
        }

        return new SinkRecovery(finished, discarded);
    }

    private string IntentKey(string scope, string batchId) => $"{_prefix}_staging/{scope}/{batchId}.json";

    private async Task<UploadIntent?> ReadIntentAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await S3Retry.RunAsync(ct => _s3.GetObjectAsync(_bucket, key, ct), cancellationToken).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync<UploadIntent>(response.ResponseStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await S3Retry.RunAsync(ct => _s3.DeleteObjectAsync(_bucket, key, ct), cancellationToken).ConfigureAwait(false);

    private async Task DeleteTargetsAsync(IEnumerable<string> targets, CancellationToken cancellationToken)
    {
        foreach (var target in targets)
        {
            await DeleteAsync(_prefix + target, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask UploadAsync((string StagedPath, string Target) file, CancellationToken cancellationToken)
    {
        var key = _prefix + file.Target;
        if (new FileInfo(file.StagedPath).Length <= _multipartThreshold)
        {
            await S3Retry.RunAsync(
                ct => _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, FilePath = file.StagedPath, UseChunkEncoding = false }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await UploadMultipartAsync(file.StagedPath, key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What a batch is about to upload: its objects and what it covers (input keys, or a stream batch's last
    /// position). Intents of earlier versions, written by stream sources only, hold <c>Last</c> instead of the inputs.
    /// </summary>
    private sealed record UploadIntent(string? Batch, List<string>? Inputs, List<string> Targets, string? Last = null)
    {
        public BatchManifest Manifest(string key) => new(
            Batch ?? Path.GetFileNameWithoutExtension(key),
            [.. Targets.Select(t => new StagedFile(string.Empty, t))],
            Inputs ?? (Last is null ? [] : [Last]));
    }

    /// <summary>A multipart upload, completed only when every part is in; aborted on failure so nothing is left.</summary>
    private async Task UploadMultipartAsync(string path, string key, CancellationToken cancellationToken)
    {
        var upload = await S3Retry.RunAsync(ct => _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key }, ct), cancellationToken).ConfigureAwait(false);
        try
        {
            var size = new FileInfo(path).Length;
            var parts = new List<PartETag>();
            var partSize = Math.Min(PartSize, Math.Max(5L * 1024 * 1024, _multipartThreshold));
            for (var (number, offset) = (1, 0L); offset < size; number++, offset += partSize)
            {
                var request = new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = number,
                    FilePath = path,
                    FilePosition = offset,
                    PartSize = Math.Min(partSize, size - offset),
                    UseChunkEncoding = false,
                };
                var part = await S3Retry.RunAsync(ct => _s3.UploadPartAsync(request, ct), cancellationToken).ConfigureAwait(false);
                parts.Add(new PartETag(number, part.ETag));
            }

            await S3Retry.RunAsync(
                ct => _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = upload.UploadId, PartETags = parts }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _s3.AbortMultipartUploadAsync(_bucket, key, upload.UploadId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}

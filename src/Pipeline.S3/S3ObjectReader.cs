using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Ingest;

namespace Pipeline.S3;

/// <summary>An S3 object's body, read whole, with what names its content for good.</summary>
/// <param name="Body">The bytes, positioned at 0.</param>
/// <param name="Size">Bytes.</param>
/// <param name="VersionId">The version read, or null in an unversioned bucket.</param>
/// <param name="ETag">The entity tag without quotes.</param>
public sealed record S3ObjectBody(MemoryStream Body, long Size, string? VersionId, string ETag);

/// <summary>An object a notification named that does not exist (any more): deleted, or expired by a lifecycle rule.</summary>
public sealed class S3ObjectMissingException(string message, Exception inner) : IOException(message, inner);

/// <summary>
/// Reads S3 objects whole, inside the retry (a connection that drops mid-body is retried, not half-decoded), for the
/// backfill and the notification source alike. A failure is an <see cref="IOException"/> naming the object, the
/// error code, the HTTP status and the request ID: it says nothing of the content, so the input is retried later.
/// </summary>
public static class S3ObjectReader
{
    /// <summary>Objects larger than this are not read whole (CloudTrail's own files are a few MiB at most).</summary>
    public const long ReadWholeLimit = 512L * 1024 * 1024;

    public static async Task<S3ObjectBody> ReadAsync(IAmazonS3 s3, string bucket, string key, string? versionId, CancellationToken cancellationToken)
    {
        var name = $"s3://{bucket}/{key}";
        try
        {
            return await S3Retry.RunAsync(async ct =>
            {
                var request = new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId };
                using var response = await s3.GetObjectAsync(request, ct).ConfigureAwait(false);
                if (response.ContentLength > ReadWholeLimit)
                {
                    throw new IngestException($"{name} is {response.ContentLength / 1024 / 1024} MiB: larger than an S3 object read whole ({ReadWholeLimit / 1024 / 1024} MiB); copy it locally and ingest the copy");
                }

                var buffer = new MemoryStream(checked((int)Math.Max(0, response.ContentLength)));
                await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
                buffer.Position = 0;
                return new S3ObjectBody(buffer, buffer.Length, string.IsNullOrEmpty(response.VersionId) || response.VersionId == "null" ? null : response.VersionId, (response.ETag ?? string.Empty).Trim('"'));
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is "NoSuchKey" or "NoSuchVersion" or "NotFound")
        {
            throw new S3ObjectMissingException($"GET {name} failed: {e.ErrorCode} (HTTP 404, request id {e.RequestId}): the object does not exist", e);
        }
        catch (AmazonS3Exception e)
        {
            throw new IOException($"GET {name} failed: {e.ErrorCode} (HTTP {(int)e.StatusCode}, request id {e.RequestId}): {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"GET {name} failed: {e.Message}", e);
        }
    }
}

using Amazon.S3;
using Amazon.S3.Model;

namespace Pipeline.S3;

/// <summary>Listing a prefix to the end: ListObjectsV2 returns at most 1,000 keys a page.</summary>
internal static class S3Listing
{
    /// <summary>Every object under <paramref name="prefix"/> (with a <paramref name="delimiter"/>: only those directly under it).</summary>
    public static async Task<List<S3Object>> ObjectsAsync(IAmazonS3 s3, string bucket, string prefix, CancellationToken cancellationToken, string? delimiter = null)
    {
        var objects = new List<S3Object>();
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, Delimiter = delimiter, ContinuationToken = token };
            var page = await S3Retry.RunAsync(ct => s3.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            objects.AddRange(page.S3Objects ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        return objects;
    }
}

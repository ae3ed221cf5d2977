using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Pipeline.Tests.Support;

/// <summary>Reads an S3 lake back into a local folder (DuckDB then reads it as a local lake).</summary>
public static class S3Objects
{
    /// <summary>Downloads a lake's table objects under PREFIX into a local folder; returns each relative path's SHA-256.</summary>
    public static async Task<Dictionary<string, string>> DownloadTableAsync(AmazonS3Client s3, string bucket, string prefix, string into)
    {
        var files = new Dictionary<string, string>();
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix + "tls_events/", ContinuationToken = token });
            foreach (var o in page.S3Objects ?? [])
            {
                using var response = await s3.GetObjectAsync(bucket, o.Key);
                var local = Path.Combine(into, o.Key[prefix.Length..]);
                Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                await using (var fs = File.Create(local))
                {
                    await response.ResponseStream.CopyToAsync(fs);
                }

                files[o.Key[prefix.Length..]] = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(local)));
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        return files;
    }
}

using Amazon.S3;
using Amazon.S3.Model;

namespace Pipeline.S3;

/// <summary>Uploads a folder's files under an <c>s3://BUCKET/PREFIX</c> (reports).</summary>
public static class S3Upload
{
    /// <summary>Uploads every file under <paramref name="local"/> to the same relative key under <paramref name="destination"/>; returns the count.</summary>
    public static async Task<int> DirectoryAsync(IAmazonS3 s3, string local, string destination, CancellationToken cancellationToken)
    {
        var location = S3ArchiveLocation.Parse(destination);
        var prefix = location.Prefix.Length == 0 || location.Prefix.EndsWith('/') ? location.Prefix : location.Prefix + "/";
        var files = System.IO.Directory.GetFiles(local, "*", SearchOption.AllDirectories);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            var key = prefix + Path.GetRelativePath(local, file).Replace('\\', '/');
            var request = new PutObjectRequest
            {
                BucketName = location.Bucket,
                Key = key,
                FilePath = file,
                UseChunkEncoding = false,
                ContentType = Path.GetExtension(file) switch
                {
                    ".html" => "text/html; charset=utf-8",
                    ".json" => "application/json",
                    ".csv" => "text/csv; charset=utf-8",
                    ".md" => "text/markdown; charset=utf-8",
                    _ => "application/octet-stream",
                },
            };
            await S3Retry.RunAsync(c => s3.PutObjectAsync(request, c), ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return files.Length;
    }
}

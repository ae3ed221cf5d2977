using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Lake;
using Pipeline.Parquet;

namespace Pipeline.S3;

/// <summary>
/// <c>pipeline compact</c> for a lake in S3: each partition of the day is downloaded to a local folder, compacted
/// there exactly as a local lake is (<see cref="LakeCompaction"/>), and the result uploaded before the inputs are
/// deleted. S3 cannot swap several objects at once, so a reader in between may see a partition's rows twice (never
/// fewer); the lake's readers count each event_id once, and a run interrupted there is finished by the next, which
/// compacts the leftovers away. Objects an ingest adds meanwhile are not inputs and are left alone.
/// </summary>
public static class S3Compaction
{
    public static async Task<CompactionResult> CompactAsync(
        IAmazonS3 s3, string lakeUri, DateOnly date, ParquetSettings parquet, long targetFileBytes, int maxRowsPerFile, CancellationToken cancellationToken)
    {
        var location = S3ArchiveLocation.Parse(lakeUri);
        var prefix = location.Prefix.Length == 0 || location.Prefix.EndsWith('/') ? location.Prefix : location.Prefix + "/";
        var dayPrefix = $"{prefix}tls_events/event_date={date:yyyy-MM-dd}/";
        var objects = (await S3Listing.ObjectsAsync(s3, location.Bucket, dayPrefix, cancellationToken).ConfigureAwait(false)).Where(o => o.Key.EndsWith(".parquet", StringComparison.Ordinal)).ToList();

        var work = Path.Combine(Path.GetTempPath(), "pipeline-compact-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            int partitions = 0, rewritten = 0, filesBefore = 0, filesAfter = 0;
            long rowsBefore = 0, rowsAfter = 0;
            foreach (var partition in objects.GroupBy(o => o.Key[..(o.Key.LastIndexOf('/') + 1)]).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                // One partition at a time in its own local lake: disk use is bounded by the largest partition.
                var local = Path.Combine(work, partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var relativeDir = partition.Key[prefix.Length..];
                var inputs = partition.ToList();
                foreach (var o in inputs)
                {
                    var path = Path.Combine(local, o.Key[prefix.Length..]);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    using var response = await S3Retry.RunAsync(ct => s3.GetObjectAsync(location.Bucket, o.Key, ct), cancellationToken).ConfigureAwait(false);
                    var fs = File.Create(path);
                    await using (fs.ConfigureAwait(false))
                    {
                        await response.ResponseStream.CopyToAsync(fs, cancellationToken).ConfigureAwait(false);
                    }
                }

                var result = LakeCompaction.Compact(local, date, parquet, targetFileBytes, maxRowsPerFile);
                partitions++;
                filesBefore += result.FilesBefore;
                filesAfter += result.FilesAfter;
                rowsBefore += result.RowsBefore;
                rowsAfter += result.RowsAfter;
                if (result.PartitionsRewritten == 0)
                {
                    Directory.Delete(local, recursive: true);
                    continue;
                }

                rewritten++;
                var outputs = Directory.GetFiles(Path.Combine(local, relativeDir.Replace('/', Path.DirectorySeparatorChar)), "*.parquet");
                var outputKeys = outputs.Select(f => partition.Key + Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal);
                foreach (var file in outputs)
                {
                    var put = new PutObjectRequest { BucketName = location.Bucket, Key = partition.Key + Path.GetFileName(file), FilePath = file, UseChunkEncoding = false };
                    await S3Retry.RunAsync(ct => s3.PutObjectAsync(put, ct), cancellationToken).ConfigureAwait(false);
                }

                // Only now, with the compacted objects complete, the inputs go.
                foreach (var o in inputs.Where(o => !outputKeys.Contains(o.Key)))
                {
                    await S3Retry.RunAsync(ct => s3.DeleteObjectAsync(location.Bucket, o.Key, ct), cancellationToken).ConfigureAwait(false);
                }

                Directory.Delete(local, recursive: true);
            }

            return new CompactionResult(partitions, rewritten, filesBefore, filesAfter, rowsBefore, rowsAfter);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}

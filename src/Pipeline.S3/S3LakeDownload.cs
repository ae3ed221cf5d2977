using System.Text.RegularExpressions;
using Amazon.S3;

namespace Pipeline.S3;

/// <summary>What <see cref="S3LakeDownload.WindowAsync"/> fetched.</summary>
public sealed record LakeDownload(int Objects, long Bytes);

/// <summary>
/// The part of a lake in S3 that a report reads: the <c>tls_events</c> objects of the days in its window, copied to a
/// local folder in the lake's own layout. Only those days' prefixes are listed, and only Parquet objects under a
/// well-formed <c>event_date=…/account_id=…/</c> key are taken, so nothing in the bucket can name a path outside
/// the folder.
/// </summary>
public static partial class S3LakeDownload
{
    [GeneratedRegex(@"^tls_events/event_date=\d{4}-\d{2}-\d{2}/account_id=\d{12}/[A-Za-z0-9._-]+\.parquet$")]
    private static partial Regex TableKey();

    /// <summary>
    /// Downloads the days <paramref name="from"/> to <paramref name="to"/> of <paramref name="lakeUri"/> into
    /// <paramref name="local"/>; <paramref name="listed"/> hears what will be fetched before the downloads start.
    /// </summary>
    public static async Task<LakeDownload> WindowAsync(
        IAmazonS3 s3, string lakeUri, DateOnly from, DateOnly to, string local, CancellationToken cancellationToken, Action<LakeDownload>? listed = null, int parallelism = 8)
    {
        var location = S3ArchiveLocation.Parse(lakeUri);
        var prefix = location.Prefix.Length == 0 || location.Prefix.EndsWith('/') ? location.Prefix : location.Prefix + "/";
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(from.AddDays).ToList();
        var objects = new List<(string Key, string Relative, long Size)>();
        foreach (var day in days)
        {
            foreach (var o in await S3Listing.ObjectsAsync(s3, location.Bucket, $"{prefix}tls_events/event_date={day:yyyy-MM-dd}/", cancellationToken).ConfigureAwait(false))
            {
                var relative = o.Key[prefix.Length..];
                if (TableKey().IsMatch(relative))
                {
                    objects.Add((o.Key, relative, o.Size ?? 0));
                }
            }
        }

        var total = new LakeDownload(objects.Count, objects.Sum(o => o.Size));
        listed?.Invoke(total);
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (o, ct) =>
        {
            var path = Path.Combine(local, o.Relative.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var response = await S3Retry.RunAsync(c => s3.GetObjectAsync(location.Bucket, o.Key, c), ct).ConfigureAwait(false);
            var file = File.Create(path);
            await using (file.ConfigureAwait(false))
            {
                await response.ResponseStream.CopyToAsync(file, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);

        return total;
    }

    /// <summary>
    /// The accounts an S3 lake holds data for: the <c>account_id=</c> folders of its Parquet files, from one listing
    /// of <c>tls_events/</c> (no object is read; a year of 200 accounts, compacted, is about 75 pages).
    /// </summary>
    public static async Task<SortedSet<string>> AccountsAsync(IAmazonS3 s3, string lakeUri, CancellationToken cancellationToken)
    {
        var location = S3ArchiveLocation.Parse(lakeUri);
        var prefix = location.Prefix.Length == 0 || location.Prefix.EndsWith('/') ? location.Prefix : location.Prefix + "/";
        var accounts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var o in await S3Listing.ObjectsAsync(s3, location.Bucket, prefix + "tls_events/", cancellationToken).ConfigureAwait(false))
        {
            var relative = o.Key[prefix.Length..];
            if (TableKey().IsMatch(relative))
            {
                var at = relative.IndexOf("/account_id=", StringComparison.Ordinal) + "/account_id=".Length;
                accounts.Add(relative[at..(at + 12)]);
            }
        }

        return accounts;
    }
}

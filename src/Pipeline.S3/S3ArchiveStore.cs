using System.Globalization;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Ingest;
using Pipeline.Sources;
using Pipeline.Sources.Files;

namespace Pipeline.S3;

/// <summary>Where in S3 an archive is, and which of it to read.</summary>
/// <param name="Bucket">The org trail's bucket.</param>
/// <param name="Prefix">Key prefix, usually ending in <c>AWSLogs/</c> (empty for the whole bucket).</param>
/// <param name="Accounts">Only these accounts' folders, or null for all.</param>
/// <param name="Regions">Only these regions' folders, or null for all.</param>
public sealed record S3ArchiveLocation(string Bucket, string Prefix, IReadOnlySet<string>? Accounts = null, IReadOnlySet<string>? Regions = null)
{
    /// <summary>Parses <c>s3://BUCKET/PREFIX</c>.</summary>
    public static S3ArchiveLocation Parse(string uri, IReadOnlySet<string>? accounts = null, IReadOnlySet<string>? regions = null)
    {
        if (!uri.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) || uri.Length <= 5)
        {
            throw new FormatException($"not an s3:// location: {uri}");
        }

        var rest = uri[5..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? new(rest, string.Empty, accounts, regions) : new(rest[..slash], rest[(slash + 1)..], accounts, regions);
    }
}

/// <summary>
/// The organization trail's S3 archive as an <see cref="IArchiveStore"/>. With a date range it lists only the day
/// folders needed (<c>…/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/</c> from the first date to the day after the last,
/// since files are named by delivery time), walking organization, account and region folders with delimiter
/// listings; where a server returns no folder list for a nested prefix, that level is listed flat instead. Objects
/// are read whole into memory with retries (CloudTrail files are small), so a network failure fails the batch,
/// which the next run redoes, instead of rejecting the input.
/// </summary>
public sealed class S3ArchiveStore(IAmazonS3 s3, S3ArchiveLocation location) : IArchiveStore
{
    public string Describe => $"s3://{location.Bucket}/{location.Prefix}";

    public async Task<List<ArchiveInput>> ScanAsync(DateOnly? firstDay, DateOnly? lastDay, ScanCounts counts, CancellationToken cancellationToken)
    {
        try
        {
            var objects = new List<S3Object>();
            foreach (var dayPrefix in await DayPrefixesAsync(firstDay, lastDay, cancellationToken).ConfigureAwait(false))
            {
                objects.AddRange(await S3Listing.ObjectsAsync(s3, location.Bucket, dayPrefix, cancellationToken).ConfigureAwait(false));
            }

            var inputs = new List<ArchiveInput>();
            foreach (var o in objects.DistinctBy(o => o.Key).OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                var input = ArchiveScanner.Classify(o.Key, $"s3://{location.Bucket}/{o.Key}", o.Size ?? 0, counts);
                if (input is null || !Wanted(o.Key))
                {
                    continue;
                }

                if (input.DeliveryDate is { } delivered && ((firstDay is { } f && delivered < f) || (lastDay is { } t && delivered > t.AddDays(1))))
                {
                    counts.OutsideDateRange++;
                    continue;
                }

                inputs.Add(input);
            }

            return inputs;
        }
        catch (AmazonS3Exception e)
        {
            throw new IngestException($"cannot list {Describe}: {e.ErrorCode}: {e.Message} (HTTP {(int)e.StatusCode}, request id {e.RequestId})", e);
        }
    }

    public async Task<Stream> OpenAsync(ArchiveInput input, CancellationToken cancellationToken)
    {
        var key = input.Path[($"s3://{location.Bucket}/".Length)..];
        var read = await S3ObjectReader.ReadAsync(s3, location.Bucket, key, versionId: null, cancellationToken).ConfigureAwait(false);
        return read.Body;
    }

    /// <summary>The prefixes to list flat: each needed day folder when the layout and a date range allow, else the whole prefix.</summary>
    private async Task<List<string>> DayPrefixesAsync(DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        var prefix = location.Prefix;
        if (from is null || to is null || !(prefix.EndsWith("AWSLogs/", StringComparison.Ordinal) || prefix == "AWSLogs/"))
        {
            return [prefix];
        }

        var accountFolders = new List<string>();
        var top = await ListFoldersAsync(prefix, ct).ConfigureAwait(false);
        if (top is null)
        {
            return [prefix];
        }

        foreach (var folder in top)
        {
            var name = Name(folder);
            if (name.StartsWith("o-", StringComparison.Ordinal))
            {
                var accounts = await ListFoldersAsync(folder, ct).ConfigureAwait(false);
                if (accounts is null)
                {
                    return [prefix];
                }

                accountFolders.AddRange(accounts);
            }
            else
            {
                accountFolders.Add(folder);
            }
        }

        var days = new List<string>();
        foreach (var account in accountFolders.Where(a => location.Accounts is null || location.Accounts.Contains(Name(a))))
        {
            var regions = await ListFoldersAsync(account + "CloudTrail/", ct).ConfigureAwait(false);
            if (regions is null)
            {
                days.Add(account + "CloudTrail/");
                continue;
            }

            foreach (var region in regions.Where(r => location.Regions is null || location.Regions.Contains(Name(r))))
            {
                for (var d = from.Value; d <= to.Value.AddDays(1); d = d.AddDays(1))
                {
                    days.Add(region + d.ToString("yyyy/MM/dd/", CultureInfo.InvariantCulture));
                }
            }
        }

        return days;
    }

    private bool Wanted(string key)
    {
        if (location.Accounts is null && location.Regions is null)
        {
            return true;
        }

        var parts = key.Split('/');
        var ct = Array.IndexOf(parts, "CloudTrail");
        if (ct < 1 || ct + 1 >= parts.Length)
        {
            return location.Accounts is null && location.Regions is null;
        }

        return (location.Accounts is null || location.Accounts.Contains(parts[ct - 1])) && (location.Regions is null || location.Regions.Contains(parts[ct + 1]));
    }

    /// <summary>Sub-folders of a prefix, or null when the server gives none (some S3-compatible servers do not for nested prefixes).</summary>
    private async Task<List<string>?> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        var folders = new List<string>();
        var any = false;
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = location.Bucket, Prefix = prefix, Delimiter = "/", ContinuationToken = token };
            var page = await S3Retry.RunAsync(ct => s3.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
            folders.AddRange(page.CommonPrefixes ?? []);
            any |= (page.S3Objects?.Count ?? 0) > 0 || (page.CommonPrefixes?.Count ?? 0) > 0;
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        return folders.Count == 0 && any ? null : folders;
    }

    private static string Name(string folder) => folder.TrimEnd('/')[(folder.TrimEnd('/').LastIndexOf('/') + 1)..];
}

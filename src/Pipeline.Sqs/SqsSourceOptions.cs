using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Pipeline.Sqs;

/// <summary>
/// An SQS source: the queue that gets a notification for every new object of the trail's bucket, how to read it,
/// and the S3 client that reads the objects. Bound from the <c>Sqs</c> configuration section or parsed from an
/// <c>sqs://</c> URI; validated at start.
/// </summary>
public sealed class SqsSourceOptions
{
    public const string Section = "Sqs";

    /// <summary>The queue: a name (resolved with GetQueueUrl) or a queue URL.</summary>
    [Required(ErrorMessage = "Sqs:Queue is required: a queue name or URL")]
    public string Queue { get; set; } = string.Empty;

    /// <summary>The queue's region (default AWS_REGION, then us-east-1); also the objects' when <see cref="S3Region"/> is not set.</summary>
    public string? Region { get; set; }

    /// <summary>SQS endpoint override (fauxqs, LocalStack, a VPC endpoint).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>S3 endpoint override for reading the objects (path-style addressing), as for the S3 backfill.</summary>
    public Uri? S3Endpoint { get; set; }

    /// <summary>The objects' region when it is not the queue's.</summary>
    public string? S3Region { get; set; }

    /// <summary>Receive loops in this process, each with its own long poll and batch.</summary>
    [Range(1, 64)]
    public int Receivers { get; set; } = 2;

    /// <summary>Long-poll wait of a receive (at most 20 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:20")]
    public TimeSpan WaitTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a received message stays hidden from other workers; extended while its objects are in flight, so a
    /// slow batch is never given to a second worker, and a worker that died gives its messages back after this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "12:00:00")]
    public TimeSpan Visibility { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>This worker's name: its staging folders and logs (default the host name). Give each process on one host its own.</summary>
    public string? WorkerId { get; set; }

    /// <summary>Exit once the queue has been empty this long (backfills, tests); none: run until stopped.</summary>
    public TimeSpan? UntilIdle { get; set; }

    /// <summary>The worker's name, defaulted.</summary>
    public string ResolveWorkerId() => WorkerId ?? Environment.MachineName;

    /// <summary>The queue's region, defaulted.</summary>
    public string ResolveRegion() =>
        Region ?? RegionOfUrl(Queue) ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";

    /// <summary>
    /// Sets what <c>sqs://QUEUE?region=R&amp;endpoint=URL</c> names: QUEUE is a queue name, or a queue URL
    /// (<c>sqs://https://sqs.R.amazonaws.com/ACCOUNT/NAME</c>); <c>endpoint</c> is the SQS endpoint override.
    /// </summary>
    public void ApplyUri(string source)
    {
        const string scheme = "sqs://";
        if (!source.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"not an sqs:// source: {source}");
        }

        var rest = source[scheme.Length..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        var queue = Uri.UnescapeDataString(q < 0 ? rest : rest[..q]).TrimEnd('/');
        if (queue.Length == 0)
        {
            throw new FormatException("sqs:// source needs a queue: sqs://QUEUE-NAME-OR-URL?region=R[&endpoint=URL]");
        }

        if (queue.Contains("://", StringComparison.Ordinal) && !Uri.TryCreate(queue, UriKind.Absolute, out _))
        {
            throw new FormatException($"sqs:// queue '{queue}' is neither a queue name nor a URL");
        }

        Queue = queue;
        if (q < 0)
        {
            return;
        }

        foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (name)
            {
                case "region" when value.Length > 0:
                    Region = value;
                    break;
                case "endpoint" when Uri.TryCreate(value, UriKind.Absolute, out var endpoint):
                    Endpoint = endpoint;
                    break;
                case "endpoint":
                    throw new FormatException($"sqs:// endpoint '{value}' is not a URL");
                default:
                    throw new FormatException($"sqs:// parameter '{pair}' is not known (region=R, endpoint=URL)");
            }
        }
    }

    /// <summary>The region in a queue URL's host (<c>sqs.R.amazonaws.com</c>, <c>R.queue.amazonaws.com</c>), or null.</summary>
    private static string? RegionOfUrl(string queue)
    {
        if (!Uri.TryCreate(queue, UriKind.Absolute, out var url))
        {
            return null;
        }

        var parts = url.Host.Split('.');
        return parts.Length >= 4 && parts[0] == "sqs" ? parts[1]
            : parts.Length >= 4 && parts[1] == "queue" ? parts[0]
            : null;
    }
}

/// <summary>Source-generated validation of <see cref="SqsSourceOptions"/>.</summary>
[OptionsValidator]
public sealed partial class SqsSourceOptionsValidator : IValidateOptions<SqsSourceOptions>;

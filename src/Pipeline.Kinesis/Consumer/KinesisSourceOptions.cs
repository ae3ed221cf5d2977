using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Pipeline.Kinesis.Consumer;

/// <summary>Where a stream read starts when a shard has no checkpoint yet.</summary>
public enum StartPosition
{
    TrimHorizon,
    Latest,
    AtTimestamp,
}

/// <summary>
/// A Kinesis source: the stream, where to find it, how to share it, and when to flush. Bound from the
/// <c>Kinesis</c> configuration section of the worker or from a <c>kinesis://</c> source URI; validated at start.
/// </summary>
public sealed class KinesisSourceOptions
{
    public const string Section = "Kinesis";

    /// <summary>Stream name or ARN.</summary>
    [Required]
    public string Stream { get; set; } = string.Empty;

    /// <summary>AWS region (defaults to the ARN's region, then AWS_REGION, then us-east-1).</summary>
    public string? Region { get; set; }

    /// <summary>Kinesis endpoint override (kinesalite, LocalStack, a VPC endpoint).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Where a shard without a checkpoint starts.</summary>
    public StartPosition Start { get; set; } = StartPosition.TrimHorizon;

    /// <summary>With <see cref="StartPosition.AtTimestamp"/>: the time to start at.</summary>
    public DateTimeOffset? StartTimestamp { get; set; }

    /// <summary>DynamoDB lease table shared by the workers of this stream; none: this process owns every shard and checkpoints to the lake.</summary>
    public string? LeaseTable { get; set; }

    /// <summary>DynamoDB endpoint override (dynalite, LocalStack).</summary>
    public Uri? DynamoDbEndpoint { get; set; }

    /// <summary>This worker's name in the lease table; default host name, process ID and a random suffix.</summary>
    public string? WorkerId { get; set; }

    /// <summary>A lease whose counter has not moved for this long belongs to a dead worker and is taken over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Flush a shard's batch once it is this old.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan FlushAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Flush a shard's batch once it holds this many MiB of records.</summary>
    [Range(1, 4096)]
    public int FlushMiB { get; set; } = 64;

    /// <summary>Records per GetRecords call (at most 10,000).</summary>
    [Range(1, 10_000)]
    public int GetRecordsLimit { get; set; } = 10_000;

    /// <summary>Least time between two GetRecords calls on one shard (the service allows 5 per second per shard, shared by all consumers).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Time between calls on a shard that returned nothing and is caught up.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Exit once every shard has been caught up and idle this long (backfills, tests); none: run until stopped.</summary>
    public TimeSpan? UntilIdle { get; set; }

    /// <summary>
    /// GetRecords answers held in memory at once by the whole process, whatever the number of shards: an answer's
    /// body is read and decoded only when one of these slots is free (default: twice the cores, at least 4).
    /// </summary>
    [Range(1, 1024)]
    public int AnswersInFlight { get; set; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Leases one worker holds at most; 0: no limit.</summary>
    [Range(0, 10_000)]
    public int MaxLeasesPerWorker { get; set; }

    public string ResolveRegion() =>
        Region ?? Client.StreamRef.Parse(Stream).ArnRegion ?? Environment.GetEnvironmentVariable("AWS_REGION")
        ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";

    public string ResolveWorkerId() =>
        WorkerId ?? $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>
    /// Parses <c>kinesis://STREAM?region=R&amp;endpoint=URL&amp;lease-table=T&amp;dynamodb-endpoint=URL&amp;start=…</c>;
    /// the stream part may be an ARN. Unknown parameters are an error, not ignored.
    /// </summary>
    public static KinesisSourceOptions FromUri(string source)
    {
        var options = new KinesisSourceOptions();
        options.ApplyUri(source);
        return options;
    }

    /// <summary>Sets what a <c>kinesis://</c> source URI names (see <see cref="FromUri"/>) on these options.</summary>
    public void ApplyUri(string source)
    {
        const string scheme = "kinesis://";
        if (!source.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"not a kinesis:// source: {source}");
        }

        var rest = source[scheme.Length..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        var stream = Uri.UnescapeDataString(q < 0 ? rest : rest[..q]).TrimEnd('/');
        if (stream.Length == 0)
        {
            throw new FormatException("kinesis:// source names no stream (kinesis://STREAM?region=…)");
        }

        Stream = stream;
        if (q >= 0)
        {
            foreach (var pair in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
                switch (name)
                {
                    case "region": Region = value; break;
                    case "endpoint": Endpoint = ParseUrl(name, value); break;
                    case "lease-table": LeaseTable = value; break;
                    case "dynamodb-endpoint": DynamoDbEndpoint = ParseUrl(name, value); break;
                    case "worker-id": WorkerId = value; break;
                    case "start": ApplyStart(value); break;
                    default: throw new FormatException($"unknown kinesis:// parameter '{name}' (known: region, endpoint, lease-table, dynamodb-endpoint, worker-id, start)");
                }
            }
        }
    }

    /// <summary>Sets the start from <c>trim-horizon</c>, <c>latest</c> or <c>at-timestamp:ISO-8601</c>.</summary>
    public void ApplyStart(string text)
    {
        if (text.Equals("trim-horizon", StringComparison.OrdinalIgnoreCase))
        {
            Start = StartPosition.TrimHorizon;
        }
        else if (text.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            Start = StartPosition.Latest;
        }
        else if (text.StartsWith("at-timestamp:", StringComparison.OrdinalIgnoreCase)
                 && DateTimeOffset.TryParse(text["at-timestamp:".Length..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            Start = StartPosition.AtTimestamp;
            StartTimestamp = at;
        }
        else
        {
            throw new FormatException($"start '{text}' is not trim-horizon, latest or at-timestamp:ISO-8601");
        }
    }

    private static Uri ParseUrl(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new FormatException($"{name} '{value}' is not an http(s) URL");
}

/// <summary>Source-generated validation of <see cref="KinesisSourceOptions"/>, plus the rules between fields.</summary>
[OptionsValidator]
public sealed partial class KinesisSourceOptionsValidator : IValidateOptions<KinesisSourceOptions>;

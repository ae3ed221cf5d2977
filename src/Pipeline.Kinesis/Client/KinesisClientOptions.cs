namespace Pipeline.Kinesis.Client;

/// <summary>Where the Kinesis API is and how hard to retry it.</summary>
public sealed class KinesisClientOptions
{
    /// <summary>Signing region, e.g. <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Endpoint override (kinesalite, LocalStack, a VPC endpoint); default <c>https://kinesis.REGION.amazonaws.com</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Attempts for a retryable error (throttling, 5xx, network) before it is surfaced.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First backoff; about doubled per attempt, with jitter (Polly's exponential backoff), up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest backoff.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>GetRecords answers read and held at once by this client (shared by all its shards).</summary>
    public int AnswersInFlight { get; set; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Per-request timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public Uri ResolveEndpoint() => Endpoint ?? new Uri($"https://kinesis.{Region}.amazonaws.com/");
}

namespace Pipeline.Athena.Client;

/// <summary>Where the Athena API is and how hard to retry it.</summary>
public sealed class AthenaClientOptions
{
    /// <summary>Signing region, e.g. <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Endpoint override (a VPC endpoint, a stand-in); default <c>https://athena.REGION.amazonaws.com</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Attempts for a retryable error (throttling, 5xx, network) before it is surfaced.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First backoff; doubled per attempt, with jitter.</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest backoff.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Per-request timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public Uri ResolveEndpoint() => Endpoint ?? new Uri($"https://athena.{Region}.amazonaws.com/");
}

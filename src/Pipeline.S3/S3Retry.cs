using Amazon.S3;
using Polly;
using Polly.Retry;

namespace Pipeline.S3;

/// <summary>
/// The SDK retries throttling and 5xx itself; this resilience pipeline adds a few slower rounds with jitter for long
/// SlowDown spells and 5xx bursts. Other errors fail at once.
/// </summary>
internal static class S3Retry
{
    private static readonly ResiliencePipeline Pipeline = Create(TimeProvider.System);

    /// <summary>The pipeline, on <paramref name="time"/>'s clock.</summary>
    internal static ResiliencePipeline Create(TimeProvider time) => new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<AmazonS3Exception>(e => (int)e.StatusCode >= 500 || e.ErrorCode == "SlowDown"),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    public static ValueTask<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        Pipeline.ExecuteAsync(async ct => await call(ct).ConfigureAwait(false), cancellationToken);
}

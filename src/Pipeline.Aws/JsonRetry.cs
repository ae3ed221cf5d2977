using Polly;
using Polly.Retry;

namespace Pipeline.Aws;

/// <summary>
/// The retry of an AWS JSON 1.1 client (Kinesis, Athena): exceptions its client marks retryable (throttling, 5xx,
/// network) tried again with jittered exponential backoff, each attempt sent (and signed) anew.
/// </summary>
public static class JsonRetry
{
    /// <param name="maxAttempts">Attempts in all; 1 or fewer: no retry.</param>
    /// <param name="baseDelay">First backoff.</param>
    /// <param name="maxDelay">Largest backoff.</param>
    /// <param name="retryable">Which of the client's exceptions are tried again.</param>
    /// <param name="onRetry">Called before each retry (the client's retry count).</param>
    /// <param name="time">The clock the delays run on.</param>
    public static ResiliencePipeline Create<TException>(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay, Func<TException, bool> retryable, Action onRetry, TimeProvider time)
        where TException : Exception =>
        maxAttempts <= 1 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle(retryable),
                MaxRetryAttempts = maxAttempts - 1,
                Delay = baseDelay,
                MaxDelay = maxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = _ =>
                {
                    onRetry();
                    return default;
                },
            })
            .Build();
}

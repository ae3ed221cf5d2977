using Amazon.Runtime;
using Polly;
using Polly.Retry;

namespace Pipeline.Sqs;

/// <summary>
/// The SDK retries throttling and 5xx itself; this resilience pipeline adds a few slower rounds with jitter for
/// longer spells (an endpoint restarting, a throttling burst). Client errors (4xx) fail at once.
/// </summary>
internal static class SqsRetry
{
    public static ResiliencePipeline Create(TimeProvider time) => new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder()
                .Handle<AmazonServiceException>(e => (int)e.StatusCode >= 500 || e.ErrorCode is "ThrottlingException" or "RequestThrottled" or "KmsThrottled")
                .Handle<HttpRequestException>(),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();
}

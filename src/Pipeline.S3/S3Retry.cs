using System.Net;
using Amazon.S3;

namespace Pipeline.S3;

/// <summary>The SDK retries throttling and 5xx itself; this adds a few slower rounds for long SlowDown spells. Other errors fail loudly.</summary>
internal static class S3Retry
{
    public static T Run<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return call().GetAwaiter().GetResult();
            }
            catch (AmazonS3Exception e) when (attempt < 4 && ((int)e.StatusCode >= 500 || e.StatusCode == HttpStatusCode.ServiceUnavailable || e.ErrorCode == "SlowDown"))
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(500 * attempt * attempt));
            }
        }
    }
}

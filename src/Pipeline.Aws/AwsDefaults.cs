using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Pipeline.Aws;

/// <summary>The credential chain and region the clients fall back on, as the AWS CLI and SDKs resolve them.</summary>
public static class AwsDefaults
{
    /// <summary>The default credential chain; a clear error when it finds nothing.</summary>
    public static AWSCredentials Credentials()
    {
        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials();
        }
        catch (AmazonClientException e)
        {
            throw new AwsCredentialsException(e);
        }
    }

    /// <summary>Whether an SDK client failed because the credential chain found nothing (the SDK's own exception, or ours).</summary>
    public static bool IsMissingCredentials(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is AwsCredentialsException
                || (e is AmazonClientException && e.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The region given, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.</summary>
    public static string Region(string? region) =>
        region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
}

/// <summary>No credentials anywhere the chain looks: one line with the remedy (the SDK's own account is the inner exception).</summary>
public sealed class AwsCredentialsException(Exception inner) : Exception(
    "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with a web identity (IRSA), container or instance role",
    inner);

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
            throw new InvalidOperationException(
                "no AWS credentials found (environment AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, container or instance role): " + e.Message, e);
        }
    }

    /// <summary>The region given, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.</summary>
    public static string Region(string? region) =>
        region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
}

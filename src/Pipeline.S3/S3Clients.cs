using Amazon;
using Amazon.S3;

namespace Pipeline.S3;

/// <summary>S3 clients with AWSSDK's default credential chain; an endpoint override for S3-compatible servers.</summary>
public static class S3Clients
{
    public static AmazonS3Client Create(string? region, Uri? endpoint)
    {
        region ??= Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
        var config = new AmazonS3Config();
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonS3Client(config);
    }
}

using Amazon.Runtime;
using Pipeline.Aws;

namespace Pipeline.Aws.Tests;

public sealed class SigV4Tests
{
    [Fact]
    public void Authorization_AwsDocumentedGetObjectExample_MatchesPublishedSignature()
    {
        // The worked example of AWS's "Signature Version 4: Authenticating Requests" (S3 GET Object with a Range header).
        var credentials = new ImmutableCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", null);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = "examplebucket.s3.amazonaws.com",
            ["range"] = "bytes=0-9",
            ["x-amz-content-sha256"] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ["x-amz-date"] = "20130524T000000Z",
        };

        var authorization = SigV4.Authorization(
            credentials, "us-east-1", "s3", new DateTime(2013, 5, 24, 0, 0, 0, DateTimeKind.Utc), "GET", "/test.txt", string.Empty, headers, []);

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            authorization.Replace(", ", ",", StringComparison.Ordinal));
    }
}

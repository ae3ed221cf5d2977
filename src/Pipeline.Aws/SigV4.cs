using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace Pipeline.Aws;

/// <summary>
/// Signs an HTTP request with AWS Signature Version 4. The canonical request is built here (the part that depends on
/// how we send requests); the key derivation and the signature come from AWSSDK.Core's <see cref="AWS4Signer"/>.
/// </summary>
public static class SigV4
{
    /// <summary>
    /// Returns the <c>Authorization</c> header value for a request whose headers (names lower-case, values trimmed)
    /// already include <c>host</c> and <c>x-amz-date</c>.
    /// </summary>
    public static string Authorization(
        ImmutableCredentials credentials, string region, string service, DateTime signedAt,
        string method, string path, string query, SortedDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = new StringBuilder(256)
            .Append(method).Append('\n')
            .Append(path).Append('\n')
            .Append(query).Append('\n');
        foreach (var (name, value) in headers)
        {
            canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(HexSha256(body));
        var result = AWS4Signer.ComputeSignature(credentials, region, signedAt, service, signedHeaders, canonical.ToString());
        return result.ForAuthorizationHeader;
    }

    public static string AmzDate(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string HexSha256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return Convert.ToHexStringLower(hash);
    }
}

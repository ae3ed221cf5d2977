using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Net.Http.Headers;
using Amazon.Runtime;

namespace Pipeline.Aws;

/// <summary>
/// A request to an AWS JSON 1.1 API (<c>POST /</c> with <c>X-Amz-Target</c>), signed with SigV4 over the credentials
/// AWSSDK.Core resolves: what the Kinesis and Athena clients share.
/// </summary>
public static class JsonRequest
{
    public static readonly MediaTypeHeaderValue ContentType = new("application/x-amz-json-1.1");

    /// <summary>A request body: one JSON object whose members <paramref name="members"/> writes.</summary>
    public static byte[] Body(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory.ToArray();
    }

    /// <summary>The HTTP client of an AWS API client: pooled connections renewed every five minutes (DNS changes are seen).</summary>
    public static HttpClient HttpClient(HttpMessageHandler? handler, TimeSpan timeout) =>
        new(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true) { Timeout = timeout };

    /// <summary>The <c>host</c> header for an endpoint (with its port unless it is the scheme's default).</summary>
    public static string Host(Uri endpoint) =>
        endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A signed <c>POST</c> of <paramref name="payload"/> to <paramref name="endpoint"/> for <paramref name="target"/>.</summary>
    public static HttpRequestMessage Create(
        Uri endpoint, string target, byte[] payload, ImmutableCredentials credentials, string region, string service, DateTime signedAt)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = ContentType.MediaType!,
            ["host"] = Host(endpoint),
            ["x-amz-date"] = SigV4.AmzDate(signedAt),
            ["x-amz-target"] = target,
        };
        if (credentials.UseToken)
        {
            headers["x-amz-security-token"] = credentials.Token;
        }

        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = ContentType;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", headers["x-amz-date"]);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.Token);
        }

        request.Headers.TryAddWithoutValidation(
            "Authorization", SigV4.Authorization(credentials, region, service, signedAt, "POST", endpoint.AbsolutePath, string.Empty, headers, payload));
        return request;
    }

    /// <summary>
    /// Sends a request; a network failure or a request that outlives <paramref name="timeout"/> (not a cancellation) becomes
    /// the client's own error, from <paramref name="networkError"/> (its message, the cause).
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient http, HttpRequestMessage request, HttpCompletionOption completion, TimeSpan timeout, Func<string, Exception, Exception> networkError, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw networkError(e.Message, e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw networkError($"no answer within {timeout.TotalSeconds:0} s", e);
        }
    }

    /// <summary>The request ID AWS answered with, if any.</summary>
    public static string? RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;

    /// <summary>The AWS error code of an error answer's <c>__type</c>, without its namespace.</summary>
    public static string ErrorCode(string type) => type[(type.LastIndexOf('#') + 1)..];
}

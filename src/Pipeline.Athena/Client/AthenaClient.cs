using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Pipeline.Aws;
using Polly;

namespace Pipeline.Athena.Client;

/// <summary>
/// A small client for the Athena JSON 1.1 API (<c>AmazonAthena.*</c> targets), signed with SigV4 over AWSSDK.Core's
/// credentials: the four operations a report needs. Throttling, 5xx and network errors are retried with jittered
/// exponential backoff; every other error is an <see cref="AthenaException"/> with the AWS error code and request ID.
/// </summary>
public sealed class AthenaClient : IDisposable
{
    private const string TargetPrefix = "AmazonAthena.";
    private readonly HttpClient _http;
    private readonly AthenaClientOptions _options;
    private readonly AWSCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly Uri _endpoint;
    private readonly ResiliencePipeline _retry;
    private long _retries;

    public AthenaClient(AthenaClientOptions options, AWSCredentials credentials, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        _options = options;
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
        _endpoint = options.ResolveEndpoint();
        _http = JsonRequest.HttpClient(handler, options.RequestTimeout);
        _retry = JsonRetry.Create<AthenaException>(options.MaxAttempts, options.BaseBackoff, options.MaxBackoff, e => e.IsRetryable, () => Interlocked.Increment(ref _retries), _time);
    }

    /// <summary>Requests retried (throttling, 5xx, network), for progress and tests.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Starts a query; the token makes a retried start the same query, not a second one.</summary>
    public async Task<string> StartQueryExecutionAsync(QueryRequest query, string clientRequestToken, CancellationToken ct)
    {
        using var answer = await CallAsync("StartQueryExecution", w =>
        {
            w.WriteString("QueryString", query.Sql);
            w.WriteString("ClientRequestToken", clientRequestToken);
            w.WriteString("WorkGroup", query.Workgroup);
            if (query.Database is not null)
            {
                w.WriteStartObject("QueryExecutionContext");
                w.WriteString("Database", query.Database);
                w.WriteString("Catalog", query.Catalog);
                w.WriteEndObject();
            }

            if (query.OutputLocation is not null)
            {
                w.WriteStartObject("ResultConfiguration");
                w.WriteString("OutputLocation", query.OutputLocation);
                w.WriteEndObject();
            }
        }, ct).ConfigureAwait(false);
        return Required(answer.RootElement, "QueryExecutionId", "StartQueryExecution");
    }

    public async Task<QueryExecution> GetQueryExecutionAsync(string queryId, CancellationToken ct)
    {
        using var answer = await CallAsync("GetQueryExecution", w => w.WriteString("QueryExecutionId", queryId), ct).ConfigureAwait(false);
        if (!answer.RootElement.TryGetProperty("QueryExecution", out var q) || q.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("GetQueryExecution", "no QueryExecution");
        }

        var status = q.TryGetProperty("Status", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        var state = status.ValueKind == JsonValueKind.Object ? Optional(status, "State") : null;
        string? errorType = null;
        if (status.ValueKind == JsonValueKind.Object && status.TryGetProperty("AthenaError", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            errorType = $"{Number(error, "ErrorCategory")}/{Number(error, "ErrorType")}";
        }

        var stats = q.TryGetProperty("Statistics", out var st) && st.ValueKind == JsonValueKind.Object ? st : default;
        return new QueryExecution(
            Optional(q, "QueryExecutionId") ?? queryId,
            state ?? throw Malformed("GetQueryExecution", "no Status.State"),
            status.ValueKind == JsonValueKind.Object ? Optional(status, "StateChangeReason") : null,
            errorType,
            stats.ValueKind == JsonValueKind.Object ? Number(stats, "DataScannedInBytes") : 0,
            stats.ValueKind == JsonValueKind.Object ? Number(stats, "EngineExecutionTimeInMillis") : 0);
    }

    /// <summary>A page of results (at most 1,000 rows); the first page of a SELECT starts with the column names as a row.</summary>
    public async Task<ResultPage> GetQueryResultsAsync(string queryId, string? nextToken, int maxResults, CancellationToken ct)
    {
        using var answer = await CallAsync("GetQueryResults", w =>
        {
            w.WriteString("QueryExecutionId", queryId);
            w.WriteNumber("MaxResults", Math.Clamp(maxResults, 1, 1000));
            if (nextToken is not null)
            {
                w.WriteString("NextToken", nextToken);
            }
        }, ct).ConfigureAwait(false);
        var root = answer.RootElement;
        if (!root.TryGetProperty("ResultSet", out var set) || set.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("GetQueryResults", "no ResultSet");
        }

        var columns = new List<ResultColumn>();
        if (set.TryGetProperty("ResultSetMetadata", out var meta) && meta.TryGetProperty("ColumnInfo", out var info) && info.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in info.EnumerateArray())
            {
                columns.Add(new ResultColumn(Optional(c, "Name") ?? $"_col{columns.Count}", Optional(c, "Type") ?? "varchar"));
            }
        }

        var rows = new List<string?[]>();
        if (set.TryGetProperty("Rows", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var row in list.EnumerateArray())
            {
                var data = row.TryGetProperty("Data", out var d) && d.ValueKind == JsonValueKind.Array ? d : default;
                var values = new string?[data.ValueKind == JsonValueKind.Array ? data.GetArrayLength() : 0];
                var i = 0;
                if (data.ValueKind == JsonValueKind.Array)
                {
                    foreach (var datum in data.EnumerateArray())
                    {
                        // A datum without VarCharValue is SQL NULL; an empty string is "".
                        values[i++] = datum.ValueKind == JsonValueKind.Object ? Optional(datum, "VarCharValue") : null;
                    }
                }

                rows.Add(values);
            }
        }

        return new ResultPage(columns, rows, Optional(root, "NextToken"));
    }

    /// <summary>Asks Athena to stop a query (Ctrl-C, a report given up): it stops scanning, and billing, soon after.</summary>
    public async Task StopQueryExecutionAsync(string queryId, CancellationToken ct)
    {
        using var _ = await CallAsync("StopQueryExecution", w => w.WriteString("QueryExecutionId", queryId), ct).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonDocument> CallAsync(string operation, Action<Utf8JsonWriter> body, CancellationToken ct)
    {
        var payload = JsonRequest.Body(body);
        return await _retry.ExecuteAsync(async token => await SendOnceAsync(operation, payload, token).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    private async Task<JsonDocument> SendOnceAsync(string operation, byte[] payload, CancellationToken ct)
    {
        var credentials = await _credentials.GetCredentialsAsync().ConfigureAwait(false);
        using var request = JsonRequest.Create(_endpoint, TargetPrefix + operation, payload, credentials, _options.Region, "athena", _time.GetUtcNow().UtcDateTime);
        var response = await JsonRequest.SendAsync(
            _http, request, HttpCompletionOption.ResponseContentRead, _options.RequestTimeout, (message, e) => new AthenaException(operation, 0, AthenaException.Network, message, null, e), ct)
            .ConfigureAwait(false);
        using (response)
        {
            var requestId = JsonRequest.RequestId(response);
            byte[] content;
            try
            {
                content = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                throw new AthenaException(operation, response.StatusCode, AthenaException.Network, "response cut off: " + e.Message, requestId, e);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw Error(operation, response.StatusCode, content, requestId);
            }

            try
            {
                return JsonDocument.Parse(content);
            }
            catch (JsonException e)
            {
                throw new AthenaException(operation, response.StatusCode, "MalformedResponse", e.Message, requestId, e);
            }
        }
    }

    private static AthenaException Error(string operation, HttpStatusCode status, byte[] content, string? requestId)
    {
        var code = status == HttpStatusCode.TooManyRequests ? "TooManyRequestsException" : $"Http{(int)status}";
        var message = string.Empty;
        try
        {
            using var doc = JsonDocument.Parse(content);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (Optional(doc.RootElement, "__type") is { Length: > 0 } type)
                {
                    code = JsonRequest.ErrorCode(type);
                }

                message = Optional(doc.RootElement, "Message") ?? Optional(doc.RootElement, "message") ?? string.Empty;
                if (Optional(doc.RootElement, "AthenaErrorCode") is { } athenaCode)
                {
                    message += $" ({athenaCode})";
                }
            }
        }
        catch (JsonException)
        {
            message = System.Text.Encoding.UTF8.GetString(content.AsSpan(0, Math.Min(content.Length, 200)));
        }

        return new AthenaException(operation, status, code, message, requestId);
    }

    private static AthenaException Malformed(string operation, string what) => new(operation, HttpStatusCode.OK, "MalformedResponse", what, null);

    private static string Required(JsonElement e, string name, string operation) => Optional(e, name) ?? throw Malformed(operation, "no " + name);

    private static string? Optional(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;
}

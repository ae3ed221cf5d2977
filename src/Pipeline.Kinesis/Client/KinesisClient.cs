using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Pipeline.Aws;
using Polly;

namespace Pipeline.Kinesis.Client;

/// <summary>
/// A small client for the Kinesis Data Streams JSON 1.1 API: <c>POST /</c> with <c>X-Amz-Target</c>, signed with
/// SigV4. Throttling, 5xx and network errors are retried with jittered exponential backoff; every other error is a
/// <see cref="KinesisException"/> carrying the AWS error code and request ID. Just the operations Pipeline needs,
/// so that it can be swapped for AWSSDK.Kinesis where that package is available.
/// </summary>
public sealed class KinesisClient : IDisposable
{
    private const string TargetPrefix = "Kinesis_20131202.";
    private readonly HttpClient _http;
    private readonly KinesisClientOptions _options;
    private readonly AWSCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly Uri _endpoint;
    private readonly SemaphoreSlim _answers;
    private readonly AnswerBuffers _answerBuffers;
    private readonly ResiliencePipeline _retry;

    public KinesisClient(KinesisClientOptions options, AWSCredentials credentials, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        _options = options;
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
        _endpoint = options.ResolveEndpoint();
        _http = JsonRequest.HttpClient(handler, options.RequestTimeout);
        _answers = new SemaphoreSlim(Math.Max(1, options.AnswersInFlight));

        // An answer in flight holds two buffers (its body while it is parsed, its payloads until it is disposed).
        _answerBuffers = new AnswerBuffers(2 * Math.Max(1, options.AnswersInFlight));

        _retry = JsonRetry.Create<KinesisException>(options.MaxAttempts, options.BaseBackoff, options.MaxBackoff, e => e.IsRetryable, () => Interlocked.Increment(ref _retries), _time);
    }

    /// <summary>GetRecords answers being read or held right now (at most <see cref="KinesisClientOptions.AnswersInFlight"/>).</summary>
    public int AnswersHeld => Math.Max(1, _options.AnswersInFlight) - _answers.CurrentCount;

    /// <summary>Answer buffers free for the next GetRecords answer (for tests).</summary>
    internal int FreeAnswerBuffers => _answerBuffers.FreeCount;

    /// <summary>Calls made and retries taken, for metrics and tests.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    private long _retries;

    public async Task<StreamDescriptionSummary> DescribeStreamSummaryAsync(StreamRef stream, CancellationToken ct)
    {
        var response = await CallAsync("DescribeStreamSummary", w => WriteStream(w, stream), KinesisJson.Default.DescribeStreamSummaryResponse, ct).ConfigureAwait(false);
        return response.StreamDescriptionSummary;
    }

    /// <summary>Every shard of the stream (all pages), including closed ones still within retention.</summary>
    public async Task<List<Shard>> ListShardsAsync(StreamRef stream, CancellationToken ct)
    {
        var shards = new List<Shard>();
        string? next = null;
        do
        {
            var token = next;
            var page = await CallAsync(
                "ListShards",
                w =>
                {
                    if (token is null)
                    {
                        WriteStream(w, stream);
                        w.WriteStartObject("ShardFilter");
                        w.WriteString("Type", "FROM_TRIM_HORIZON");
                        w.WriteEndObject();
                    }
                    else
                    {
                        // With a NextToken the stream and filter must not be repeated.
                        w.WriteString("NextToken", token);
                    }

                    w.WriteNumber("MaxResults", 1000);
                },
                KinesisJson.Default.ListShardsResponse,
                ct).ConfigureAwait(false);
            shards.AddRange(page.Shards ?? []);
            next = page.NextToken;
        }
        while (next is not null);

        return shards;
    }

    public async Task<string> GetShardIteratorAsync(StreamRef stream, string shardId, IteratorType type, string? sequenceNumber, DateTimeOffset? timestamp, CancellationToken ct)
    {
        var response = await CallAsync(
            "GetShardIterator",
            w =>
            {
                WriteStream(w, stream);
                w.WriteString("ShardId", shardId);
                w.WriteString("ShardIteratorType", type switch
                {
                    IteratorType.TrimHorizon => "TRIM_HORIZON",
                    IteratorType.Latest => "LATEST",
                    IteratorType.AtTimestamp => "AT_TIMESTAMP",
                    IteratorType.AfterSequenceNumber => "AFTER_SEQUENCE_NUMBER",
                    IteratorType.AtSequenceNumber => "AT_SEQUENCE_NUMBER",
                    _ => throw new ArgumentOutOfRangeException(nameof(type)),
                });
                if (sequenceNumber is not null)
                {
                    w.WriteString("StartingSequenceNumber", sequenceNumber);
                }

                if (timestamp is { } ts)
                {
                    w.WriteNumber("Timestamp", ts.ToUnixTimeMilliseconds() / 1000.0);
                }
            },
            KinesisJson.Default.GetShardIteratorResponse,
            ct).ConfigureAwait(false);
        return response.ShardIterator;
    }

    /// <summary>
    /// One GetRecords call (at most 10,000 records / 10 MiB). Throttling is retried here; an expired iterator is not.
    /// Dispose the response once its records are read.
    /// </summary>
    public Task<GetRecordsResponse> GetRecordsAsync(string shardIterator, int limit, CancellationToken ct) =>
        CallParsedAsync(
            "GetRecords",
            w =>
            {
                w.WriteString("ShardIterator", shardIterator);
                w.WriteNumber("Limit", limit);
            },
            json => GetRecordsParser.Parse(json, _answerBuffers),
            ct,
            _answers);

    // The operations below are for setting up streams (tests, the demo feed, the laptop stack), not for consuming.

    public Task CreateStreamAsync(string name, int shards, CancellationToken ct) =>
        CallAsync<object>("CreateStream", w =>
        {
            w.WriteString("StreamName", name);
            w.WriteNumber("ShardCount", shards);
        }, null, ct);

    /// <summary>Puts up to 500 records; returns per-record results (a partial failure is not an exception).</summary>
    public Task<PutRecordsResponse> PutRecordsAsync(StreamRef stream, IReadOnlyList<(string PartitionKey, ReadOnlyMemory<byte> Data)> records, CancellationToken ct) =>
        CallAsync(
            "PutRecords",
            w =>
            {
                WriteStream(w, stream);
                w.WriteStartArray("Records");
                foreach (var (key, data) in records)
                {
                    w.WriteStartObject();
                    w.WriteBase64String("Data", data.Span);
                    w.WriteString("PartitionKey", key);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            },
            KinesisJson.Default.PutRecordsResponse,
            ct);

    /// <summary>Waits until the stream is ACTIVE (after create, split, merge).</summary>
    public async Task WaitForActiveAsync(StreamRef stream, TimeSpan timeout, CancellationToken ct)
    {
        var until = _time.GetUtcNow() + timeout;
        while (true)
        {
            var summary = await DescribeStreamSummaryAsync(stream, ct).ConfigureAwait(false);
            if (summary.StreamStatus == "ACTIVE")
            {
                return;
            }

            if (_time.GetUtcNow() > until)
            {
                throw new TimeoutException($"stream {stream} is still {summary.StreamStatus} after {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _answers.Dispose();
    }

    internal static void WriteStream(Utf8JsonWriter w, StreamRef stream)
    {
        if (stream.Arn is not null)
        {
            w.WriteString("StreamARN", stream.Arn);
        }
        else
        {
            w.WriteString("StreamName", stream.Name);
        }
    }

    internal Task<T> CallAsync<T>(string operation, Action<Utf8JsonWriter> body, JsonTypeInfo<T>? type, CancellationToken ct) =>
        CallParsedAsync<T>(operation, body, type is null ? _ => default! : json => JsonSerializer.Deserialize(json, type) ?? throw new JsonException("empty response"), ct);

    private async Task<T> CallParsedAsync<T>(string operation, Action<Utf8JsonWriter> body, Parse<T> parse, CancellationToken ct, SemaphoreSlim? slots = null)
    {
        var payload = JsonRequest.Body(body);
        return await _retry.ExecuteAsync(
            async token => await SendOnceAsync(operation, payload, parse, slots, token).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One call. With <paramref name="slots"/>, the answer's body is read only once a slot is free, and a parsed
    /// <see cref="GetRecordsResponse"/> keeps its slot until it is disposed: however many shards wait on the server,
    /// only so many answers are in memory at once.
    /// </summary>
    private async Task<T> SendOnceAsync<T>(string operation, byte[] payload, Parse<T> parse, SemaphoreSlim? slots, CancellationToken ct)
    {
        var credentials = await _credentials.GetCredentialsAsync().ConfigureAwait(false);
        var now = _time.GetUtcNow().UtcDateTime;
        using var request = JsonRequest.Create(_endpoint, TargetPrefix + operation, payload, credentials, _options.Region, "kinesis", now);

        var response = await JsonRequest.SendAsync(
            _http, request, HttpCompletionOption.ResponseHeadersRead, _options.RequestTimeout, (message, e) => new KinesisException(operation, 0, KinesisErrors.Network, message, null, e), ct)
            .ConfigureAwait(false);
        using (response)
        {
            var requestId = JsonRequest.RequestId(response);
            if (slots is not null)
            {
                await slots.WaitAsync(ct).ConfigureAwait(false);
            }

            var slotHandedOver = false;
            try
            {
                // GetRecords answers run to 10+ MiB: read into one pooled buffer of the announced length rather than
                // a growing one copied into a fresh large array on every call.
                var buffers = slots is null ? null : _answerBuffers;
                var (content, length) = await ReadBodyAsync(operation, response, requestId, buffers, ct).ConfigureAwait(false);
                try
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        throw Error(operation, response.StatusCode, content.AsSpan(0, length).ToArray(), requestId);
                    }

                    try
                    {
                        var parsed = parse(content.AsSpan(0, length));
                        if (slots is not null && parsed is GetRecordsResponse answer)
                        {
                            answer.HoldSlot(slots);
                            slotHandedOver = true;
                        }

                        return parsed;
                    }
                    catch (JsonException e)
                    {
                        throw new KinesisException(operation, response.StatusCode, "MalformedResponse", e.Message, requestId, e);
                    }
                }
                finally
                {
                    Return(buffers, content);
                }
            }
            finally
            {
                if (slots is not null && !slotHandedOver)
                {
                    slots.Release();
                }
            }
        }
    }

    /// <summary>Reads a body into a buffer of <paramref name="buffers"/> (GetRecords answers) or of the shared pool (small answers).</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(string operation, HttpResponseMessage response, string? requestId, AnswerBuffers? buffers, CancellationToken ct)
    {
        var announced = response.Content.Headers.ContentLength;
        var buffer = Rent(buffers, (int)Math.Clamp(announced ?? 16 * 1024, 1024, 64L * 1024 * 1024));
        var length = 0;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        var bigger = Rent(buffers, buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        Return(buffers, buffer);
                        buffer = bigger;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }
            }

            return (buffer, length);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            Return(buffers, buffer);
            throw new KinesisException(operation, response.StatusCode, KinesisErrors.Network, "response cut off: " + e.Message, requestId, e);
        }
        catch
        {
            Return(buffers, buffer);
            throw;
        }
    }

    private static byte[] Rent(AnswerBuffers? buffers, int minimum) => buffers?.Rent(minimum) ?? ArrayPool<byte>.Shared.Rent(minimum);

    private static void Return(AnswerBuffers? buffers, byte[] buffer)
    {
        if (buffers is null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else
        {
            buffers.Return(buffer);
        }
    }

    private static KinesisException Error(string operation, HttpStatusCode status, byte[] content, string? requestId)
    {
        string code = status == HttpStatusCode.TooManyRequests ? "ThrottlingException" : $"Http{(int)status}";
        var message = string.Empty;
        try
        {
            if (content.Length > 0 && JsonSerializer.Deserialize(content, KinesisJson.Default.ErrorResponse) is { } error)
            {
                if (!string.IsNullOrEmpty(error.Type))
                {
                    code = JsonRequest.ErrorCode(error.Type);
                }

                message = error.Message ?? error.MessageUpper ?? string.Empty;
            }
        }
        catch (JsonException)
        {
            message = System.Text.Encoding.UTF8.GetString(content.AsSpan(0, Math.Min(content.Length, 200)));
        }

        return new KinesisException(operation, status, code, message, requestId);
    }
}

/// <summary>Turns an answer's JSON into a result; the span is valid only during the call.</summary>
internal delegate T Parse<out T>(ReadOnlySpan<byte> json);

/// <summary>Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter").</summary>
public static class Backoff
{
    /// <summary>
    /// A delay drawn uniformly from [0, min(max, base × 2^(attempt-1))): full jitter, so that clients throttled
    /// together spread out over the whole window (equal jitter, half fixed and half random, kept them bunched).
    /// </summary>
    public static TimeSpan Jittered(int attempt, TimeSpan baseDelay, TimeSpan max, Random? random = null)
    {
        var ceiling = Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(Math.Max(attempt, 1) - 1, 20)));
        return TimeSpan.FromMilliseconds((random ?? Random.Shared).NextDouble() * ceiling);
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Kinesis.Client;

namespace Pipeline.Kinesis.Tests.Client;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisClientTests(LocalAws aws)
{
    [Fact]
    public async Task DescribeStreamSummaryAsync_MissingStream_ErrorCarriesAwsCodeAndRequestId()
    {
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = aws.KinesisEndpoint }, LocalAws.Credentials);

        var e = await Assert.ThrowsAsync<KinesisException>(() => client.DescribeStreamSummaryAsync(new StreamRef("no-such-stream", null), CancellationToken.None));

        Assert.Equal(KinesisErrors.ResourceNotFound, e.ErrorCode);
        Assert.False(e.IsRetryable);
        Assert.False(string.IsNullOrEmpty(e.RequestId));
        Assert.Contains("DescribeStreamSummary", e.Message, StringComparison.Ordinal);
        Assert.Contains(e.RequestId!, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAndGetRecords_AgainstKinesalite_RoundTripsBinaryPayloads()
    {
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = aws.KinesisEndpoint }, LocalAws.Credentials);
        var name = "roundtrip-" + Guid.NewGuid().ToString("N")[..8];
        var stream = new StreamRef(name, null);
        await client.CreateStreamAsync(name, 1, CancellationToken.None);
        await client.WaitForActiveAsync(stream, TimeSpan.FromSeconds(10), CancellationToken.None);
        byte[] payload = [0x1F, 0x8B, 0x00, 0xFF, 0xF3, 0x89, 0x9A, 0xC2];
        await client.PutRecordsAsync(stream, [("k", payload)], CancellationToken.None);

        var shards = await client.ListShardsAsync(stream, CancellationToken.None);
        var iterator = await client.GetShardIteratorAsync(stream, shards.Single().ShardId, IteratorType.TrimHorizon, null, null, CancellationToken.None);
        using var response = await client.GetRecordsAsync(iterator, 100, CancellationToken.None);

        Assert.Equal(payload, response.Records.Single().Data.ToArray());
        Assert.NotNull(response.NextShardIterator);
        Assert.Equal(0, response.MillisBehindLatest);
    }

    [Fact]
    public async Task ListShardsAsync_SeveralPages_FollowsNextTokenWithoutRepeatingTheStream()
    {
        using var handler = new ScriptedHandler(
            """{"Shards":[{"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"},"SequenceNumberRange":{"StartingSequenceNumber":"1"}}],"NextToken":"page-2"}""",
            """{"Shards":[{"ShardId":"shardId-000000000001","ParentShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"},"SequenceNumberRange":{"StartingSequenceNumber":"2"}}]}""");
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = new Uri("http://127.0.0.1:9/") }, LocalAws.Credentials, handler);

        var shards = await client.ListShardsAsync(new StreamRef("s", null), CancellationToken.None);

        Assert.Equal(["shardId-000000000000", "shardId-000000000001"], shards.Select(s => s.ShardId));
        Assert.Equal(["shardId-000000000000"], shards[1].Parents);
        var first = JsonDocument.Parse(handler.Bodies[0]).RootElement;
        var second = JsonDocument.Parse(handler.Bodies[1]).RootElement;
        Assert.Equal("s", first.GetProperty("StreamName").GetString());
        Assert.Equal("page-2", second.GetProperty("NextToken").GetString());
        Assert.False(second.TryGetProperty("StreamName", out _));
        Assert.All(handler.Targets, t => Assert.Equal("Kinesis_20131202.ListShards", t));
        Assert.All(handler.Authorizations, a => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=" + LocalAws.AccessKey + "/", a, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetRecordsAsync_ThrottledThenServed_RetriedWithBackoff()
    {
        using var handler = new ScriptedHandler(
            (HttpStatusCode.BadRequest, """{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded"}"""),
            (HttpStatusCode.InternalServerError, """{"__type":"InternalFailure","message":"oops"}"""),
            (HttpStatusCode.OK, """{"Records":[],"NextShardIterator":"it-2","MillisBehindLatest":0}"""));
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = new Uri("http://127.0.0.1:9/"), BaseBackoff = TimeSpan.FromMilliseconds(1) }, LocalAws.Credentials, handler);

        using var response = await client.GetRecordsAsync("it-1", 10, CancellationToken.None);

        Assert.Equal("it-2", response.NextShardIterator);
        Assert.Equal(2, client.Retries);
    }

    [Fact]
    public void Jittered_ManyDraws_SpreadOverTheWholeWindowUpToTheCeiling()
    {
        var random = new Random(7);
        var draws = Enumerable.Range(0, 10_000).Select(_ => Backoff.Jittered(4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), random).TotalMilliseconds).ToList();

        // Attempt 4 of 100 ms: the window is [0, 800) ms, drawn uniformly (full jitter, not half fixed).
        Assert.All(draws, d => Assert.InRange(d, 0, 800));
        Assert.InRange(draws.Count(d => d < 400) / 10_000.0, 0.45, 0.55);
        Assert.InRange(draws.Count(d => d < 80) / 10_000.0, 0.07, 0.13);
        Assert.All(Enumerable.Range(0, 100).Select(_ => Backoff.Jittered(30, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), random)), d => Assert.True(d < TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task GetRecordsAsync_ExpiredIterator_SurfacedNotRetried()
    {
        using var handler = new ScriptedHandler((HttpStatusCode.BadRequest, """{"__type":"com.amazonaws.kinesis#ExpiredIteratorException","message":"Iterator expired"}"""));
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = new Uri("http://127.0.0.1:9/") }, LocalAws.Credentials, handler);

        var e = await Assert.ThrowsAsync<KinesisException>(() => client.GetRecordsAsync("it", 10, CancellationToken.None));

        Assert.Equal(KinesisErrors.ExpiredIterator, e.ErrorCode);
        Assert.Equal(0, client.Retries);
    }

    [Fact]
    public async Task GetRecordsAsync_AnswerWithEscapesChildShardsAndSeveralRecords_DecodedExactly()
    {
        // "\/" is a legal JSON escape of '/', which base64 uses; ChildShards and unknown fields are skipped.
        using var handler = new ScriptedHandler(
            (HttpStatusCode.OK, "{\"Records\":[{\"SequenceNumber\":\"1\",\"ApproximateArrivalTimestamp\":1.7E9,\"Data\":\"AAEC\",\"PartitionKey\":\"a\",\"EncryptionType\":\"NONE\"},"
                + "{\"Data\":\"\\/\\/8=\",\"PartitionKey\":\"b\",\"SequenceNumber\":\"2\"}],"
                + "\"ChildShards\":[{\"ShardId\":\"s-2\",\"ParentShards\":[\"s-1\"],\"HashKeyRange\":{\"StartingHashKey\":\"0\",\"EndingHashKey\":\"1\"}}],\"MillisBehindLatest\":42}"));
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = new Uri("http://127.0.0.1:9/") }, LocalAws.Credentials, handler);

        using var response = await client.GetRecordsAsync("it", 10, CancellationToken.None);

        Assert.Equal(["1", "2"], response.Records.Select(r => r.SequenceNumber));
        Assert.Equal(new byte[] { 0, 1, 2 }, response.Records[0].Data.ToArray());
        Assert.Equal(new byte[] { 0xFF, 0xFF }, response.Records[1].Data.ToArray());
        Assert.Equal("b", response.Records[1].PartitionKey);
        Assert.Null(response.NextShardIterator);
        Assert.Equal(42, response.MillisBehindLatest);
    }

    [Fact]
    public async Task GetRecordsAsync_PayloadNotBase64_MalformedResponseError()
    {
        using var handler = new ScriptedHandler((HttpStatusCode.OK, "{\"Records\":[{\"SequenceNumber\":\"1\",\"Data\":\"%%%\"}],\"NextShardIterator\":\"x\"}"));
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = new Uri("http://127.0.0.1:9/") }, LocalAws.Credentials, handler);

        var e = await Assert.ThrowsAsync<KinesisException>(() => client.GetRecordsAsync("it", 10, CancellationToken.None));

        Assert.Equal("MalformedResponse", e.ErrorCode);
    }

    [Fact]
    public async Task GetRecordsAsync_AnswersReadAndDisposedInTurn_ReuseTheClientsTwoBuffers()
    {
        const string answer = """{"Records":[{"SequenceNumber":"1","Data":"e30=","PartitionKey":"k"}],"NextShardIterator":"it","MillisBehindLatest":0}""";
        using var handler = new ScriptedHandler(answer, answer, answer);
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = new Uri("http://127.0.0.1:9/"), AnswersInFlight = 2 }, LocalAws.Credentials, handler);

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetRecordsAsync("it", 10, CancellationToken.None);
            Assert.Equal("{}"u8.ToArray(), response.Records.Single().Data.ToArray());

            // The body's buffer is back once parsed; the payloads' buffer comes back with the answer.
            Assert.Equal(1, client.FreeAnswerBuffers);
        }

        Assert.Equal(2, client.FreeAnswerBuffers);
    }

    /// <summary>Answers requests from a script and records what was sent.</summary>
    [Fact]
    public async Task GetRecordsAsync_MoreCallsThanAnswersInFlight_WaitsUntilAnAnswerIsDisposed()
    {
        const string answer = """{"Records":[{"SequenceNumber":"1","Data":"e30=","PartitionKey":"k"}],"NextShardIterator":"it","MillisBehindLatest":0}""";
        using var handler = new ScriptedHandler(answer, answer, answer);
        using var client = new KinesisClient(new KinesisClientOptions { Endpoint = new Uri("http://127.0.0.1:9/"), AnswersInFlight = 2 }, LocalAws.Credentials, handler);

        var first = await client.GetRecordsAsync("it", 10, CancellationToken.None);
        using var second = await client.GetRecordsAsync("it", 10, CancellationToken.None);
        var third = client.GetRecordsAsync("it", 10, CancellationToken.None);
        await Task.Delay(300);

        Assert.False(third.IsCompleted);
        Assert.Equal(2, client.AnswersHeld);
        Assert.Equal("{}"u8.ToArray(), first.Records.Single().Data.ToArray());
        first.Dispose();
        using var answered = await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("{}"u8.ToArray(), answered.Records.Single().Data.ToArray());
        Assert.Equal(2, client.AnswersHeld);
        first.Dispose();
        Assert.Equal(2, client.AnswersHeld);
    }

    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Queue<(HttpStatusCode Status, string Body)> _script;

        public ScriptedHandler(params string[] okBodies) => _script = new(okBodies.Select(b => (HttpStatusCode.OK, b)));

        public ScriptedHandler(params (HttpStatusCode, string)[] script) => _script = new(script);

        public List<string> Bodies { get; } = [];

        public List<string> Targets { get; } = [];

        public List<string> Authorizations { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            Targets.Add(request.Headers.GetValues("X-Amz-Target").Single());
            Authorizations.Add(request.Headers.GetValues("Authorization").Single());
            Assert.Equal("application/x-amz-json-1.1", request.Content.Headers.ContentType!.ToString());
            var (status, body) = _script.Dequeue();
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8) };
            response.Headers.Add("x-amzn-RequestId", "req-" + Bodies.Count);
            return response;
        }
    }
}

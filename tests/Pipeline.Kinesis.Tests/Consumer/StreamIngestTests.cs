using System.Net;
using System.Text;
using Pipeline.Kinesis.Client;
using Pipeline.Kinesis.Consumer;

namespace Pipeline.Kinesis.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class StreamIngestTests(LocalAws aws)
{
    [Fact]
    public async Task RunAsync_MixedFormsOnFourShards_EveryEventOnce()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("mixed");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 4);
        using (client)
        {
            await feeder.PutMixedAsync(10_000);
        }

        var result = await StreamHarness.RunAsync(StreamHarness.Options(aws, name), tmp.Path);

        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
        Assert.Equal(feeder.ControlMessages, result.Stats.Ingest.ControlMessages);
        Assert.Equal(0, result.Stats.Ingest.RejectTotal);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "_checkpoints", "kinesis", name + ".json")));
    }

    [Fact]
    public async Task RunAsync_FinalFlushFails_StopSaysWhatWasNotWrittenAndTheNextRunReadsIt()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("final");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 1);
        using (client)
        {
            await feeder.PutMixedAsync(500);
        }

        var options = StreamHarness.Options(aws, name);
        options.UntilIdle = null;
        options.FlushAge = TimeSpan.FromMinutes(10);
        KinesisResult stopped;
        using (var source = StreamHarness.Source(options, tmp.Path))
        {
            using var stop = new CancellationTokenSource();
            var run = source.Ingest.RunAsync(stop.Token);
            while (source.Ingest.Stats.Ingest.Records < 500)
            {
                await Task.Delay(50);
            }

            // The shard's staging folder turns into a file: the batch's Parquet files cannot be written at the stop.
            var staging = Directory.GetDirectories(Path.Combine(tmp.Path, "_staging", "kinesis", name)).Single();
            var owner = Directory.GetDirectories(staging).Single();
            Directory.Delete(owner, recursive: true);
            await File.WriteAllTextAsync(owner, "in the way");
            await stop.CancelAsync();
            stopped = await run;
            File.Delete(owner);
        }

        var unwritten = Assert.Single(stopped.Unwritten);
        Assert.Contains("not written", unwritten, StringComparison.Ordinal);
        Assert.Empty(LakeReader.EventIds(tmp.Path));

        var again = await StreamHarness.RunAsync(StreamHarness.Options(aws, name), tmp.Path);

        Assert.Empty(again.Unwritten);
        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
    }

    [Fact]
    public async Task RunAsync_RestartAfterMoreRecords_ResumesAfterCheckpointWithoutDuplicates()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("resume");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 2);
        using (client)
        {
            await feeder.PutMixedAsync(1_500);
            var first = await StreamHarness.RunAsync(StreamHarness.Options(aws, name), tmp.Path);
            Assert.Equal(1_500, first.Stats.Ingest.EventsWritten);

            await feeder.PutMixedAsync(700);
        }

        var second = await StreamHarness.RunAsync(StreamHarness.Options(aws, name), tmp.Path);

        Assert.Equal(700, second.Stats.Ingest.EventsWritten);
        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
    }

    [Fact]
    public async Task RunAsync_SplitAndMergeWhileReading_ParentsBeforeChildrenNothingLost()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("reshard");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 3);
        var stream = new StreamRef(name, null);
        var options = StreamHarness.Options(aws, name);
        options.UntilIdle = TimeSpan.FromSeconds(3);
        using var source = StreamHarness.Source(options, tmp.Path);
        var shardLog = new System.Collections.Concurrent.ConcurrentQueue<(string ShardId, string Event)>();
        source.Ingest.Stats.ShardChanged += (shard, change) => shardLog.Enqueue((shard, change));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using (client)
        {
            await feeder.PutMixedAsync(2_000);
            var run = source.Ingest.RunAsync(cts.Token);
            while (source.Ingest.Stats.Commits == 0)
            {
                await Task.Delay(50);
            }

            var shards = await client.ListShardsAsync(stream, CancellationToken.None);
            var first = shards[0];
            var middle = (System.Numerics.BigInteger.Parse(first.HashKeyRange.StartingHashKey) + System.Numerics.BigInteger.Parse(first.HashKeyRange.EndingHashKey)) / 2;
            await client.SplitShardAsync(stream, first.ShardId, middle.ToString(), CancellationToken.None);
            await client.WaitForActiveAsync(stream, TimeSpan.FromSeconds(30), CancellationToken.None);
            await feeder.PutMixedAsync(2_000);

            await client.MergeShardsAsync(stream, shards[1].ShardId, shards[2].ShardId, CancellationToken.None);
            await client.WaitForActiveAsync(stream, TimeSpan.FromSeconds(30), CancellationToken.None);
            await feeder.PutMixedAsync(2_000);

            var result = await run;
            Assert.True(result.StoppedIdle);
            var all = await client.ListShardsAsync(stream, CancellationToken.None);
            Assert.Equal(3 + 2 + 1, all.Count);

            // Parent-before-child: every child started only after each of its parents was read to its end.
            var log = shardLog.ToList();
            foreach (var child in all.Where(s => s.Parents.Count > 0))
            {
                var started = log.FindIndex(e => e.ShardId == child.ShardId && e.Event == "taken");
                Assert.True(started >= 0, $"{child.ShardId} was never read");
                foreach (var parent in child.Parents)
                {
                    var ended = log.FindIndex(e => e.ShardId == parent && e.Event == "ending");
                    Assert.True(ended >= 0 && ended < started, $"{child.ShardId} started before its parent {parent} ended");
                }
            }
        }

        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
    }

    [Fact]
    public async Task RunAsync_StartLatest_OnlyRecordsPutAfterTheFirstReadAreRead()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("latest");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 1);
        var options = StreamHarness.Options(aws, name);
        options.ApplyStart("latest");
        using (client)
        {
            await feeder.PutMixedAsync(100);
            var before = feeder.EventIds.ToHashSet();
            using var source = StreamHarness.Source(options, tmp.Path);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var run = source.Ingest.RunAsync(cts.Token);

            // The LATEST iterator exists once the shard's first GetRecords answered.
            while (source.Ingest.Stats.GetRecordsCalls == 0)
            {
                Assert.False(run.IsCompleted, "the ingest stopped before reading");
                await Task.Delay(20);
            }

            await feeder.PutMixedAsync(100);
            Assert.True((await run).StoppedIdle);
            LakeReader.AssertExactlyOnce(tmp.Path, [.. feeder.EventIds.Where(id => !before.Contains(id))]);
        }
    }

    [Fact]
    public async Task RunAsync_StartAtTimestamp_OnlyRecordsFromThatTimeRead()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("attime");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 1);
        var options = StreamHarness.Options(aws, name);
        HashSet<string> before;
        using (client)
        {
            await feeder.PutMixedAsync(100);
            before = feeder.EventIds.ToHashSet();
            await Task.Delay(1500);
            options.ApplyStart("at-timestamp:" + DateTimeOffset.UtcNow.AddMilliseconds(-500).ToString("O"));
            await Task.Delay(200);
            await feeder.PutMixedAsync(100);
        }

        await StreamHarness.RunAsync(options, tmp.Path);

        LakeReader.AssertExactlyOnce(tmp.Path, [.. feeder.EventIds.Where(id => !before.Contains(id))]);
    }

    [Fact]
    public async Task RunAsync_ThrottlingAndExpiredIterators_RetriedAndNothingLost()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("throttle");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 2);
        using (client)
        {
            await feeder.PutMixedAsync(3_000);
        }

        using var faults = new FaultInjector { ThrottleEvery = 3, ExpireEvery = 5 };
        var options = StreamHarness.Options(aws, name);
        options.GetRecordsLimit = 100;
        var result = await StreamHarness.RunAsync(options, tmp.Path, faults);

        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
        Assert.True(faults.Throttled > 0);
        Assert.True(faults.Expired > 0);
        Assert.Equal(faults.Expired, result.Stats.ExpiredIterators);
    }

    [Fact]
    public async Task RunAsync_MalformedRecords_RejectedWithReasonShardMovesOn()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("malformed");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 1);
        using (client)
        {
            await feeder.PutMixedAsync(50);
            var truncatedKpl = Pipeline.Decoding.KplAggregate.Aggregate([("a", Records.Utf8(StreamFeeder.Event("ev-900000"))), ("b", Records.Utf8(StreamFeeder.Event("ev-900001")))]);
            var gzip = Records.Gzip(Records.CloudWatchLogs(StreamFeeder.Event("ev-900002")));
            await feeder.PutRawAsync(
            [
                ("bad-gzip", gzip[..(gzip.Length / 2)]),
                ("not-json", Encoding.UTF8.GetBytes("this is not json <script>")),
                ("truncated-kpl", truncatedKpl[..(truncatedKpl.Length - 7)]),
            ]);
            await feeder.PutMixedAsync(50);
        }

        var result = await StreamHarness.RunAsync(StreamHarness.Options(aws, name), tmp.Path);

        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
        Assert.Equal(3, result.Stats.Ingest.RejectTotal);
        var rejects = string.Join('\n', Directory.GetFiles(Path.Combine(tmp.Path, "_rejects"), "*.jsonl").Select(File.ReadAllText));
        Assert.Contains("\"reason\":\"truncated-gzip\"", rejects, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"not-json\"", rejects, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"kpl-", rejects, StringComparison.Ordinal);
        Assert.Contains("kinesis:" + name + "/shardId-000000000000/", rejects, StringComparison.Ordinal);
        Assert.Equal(3, rejects.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
    [Fact]
    public async Task RunAsync_PoisonRecords_RepairedOrRejectedAndTheShardMovesOn()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("poison");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 1);
        string surrogate;
        using (client)
        {
            await feeder.PutMixedAsync(30);

            // A lone surrogate escape used to throw in projection and fail the batch, the lease retried forever.
            surrogate = feeder.NextEventId();
            var invalidUtf8 = feeder.NextEventId();
            var invalidText = StreamFeeder.Event(invalidUtf8);
            var invalid = Encoding.UTF8.GetBytes(invalidText).ToList();
            invalid.InsertRange(invalidText.IndexOf("Python", StringComparison.Ordinal), new byte[] { 0xFF, 0xC0 });
            var deep = "{\"eventVersion\":\"1.09\",\"x\":" + new string('[', 5000) + new string(']', 5000) + "}";
            await feeder.PutRawAsync(
            [
                ("surrogate", Records.Utf8(StreamFeeder.Event(surrogate).Replace("GetObject", "Get\\ud800Object", StringComparison.Ordinal))),
                ("invalid-utf8", [.. invalid]),
                ("deep", Records.Utf8(deep)),
                ("loose-time", Records.Utf8(Records.Record("loose", "10:00"))),
            ]);
            await feeder.PutMixedAsync(30);
        }

        var result = await StreamHarness.RunAsync(StreamHarness.Options(aws, name), tmp.Path);

        LakeReader.AssertExactlyOnce(tmp.Path, feeder.EventIds);
        Assert.Equal(2, result.Stats.Ingest.RejectTotal);
        Assert.True(result.Stats.Ingest.RepairedStrings >= 2);
        var names = LakeReader.Query($"SELECT event_name FROM {LakeReader.Source(tmp.Path)} WHERE event_id = '{surrogate}'");
        Assert.Equal("Get\uFFFDObject", Assert.Single(names)[0]);
    }
}

/// <summary>
/// Sits between the client and kinesalite (which never throttles and whose iterators do not expire in a test's
/// time): answers some GetRecords calls with ProvisionedThroughputExceededException or ExpiredIteratorException.
/// </summary>
internal sealed class FaultInjector() : DelegatingHandler(new SocketsHttpHandler())
{
    private int _calls;

    public int ThrottleEvery { get; init; }

    public int ExpireEvery { get; init; }

    public int Throttled;

    public int Expired;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.TryGetValues("X-Amz-Target", out var targets) && targets.First().EndsWith(".GetRecords", StringComparison.Ordinal))
        {
            var n = Interlocked.Increment(ref _calls);
            if (ThrottleEvery > 0 && n % ThrottleEvery == 0)
            {
                Interlocked.Increment(ref Throttled);
                return Task.FromResult(Error("ProvisionedThroughputExceededException", "Rate exceeded for shard"));
            }

            if (ExpireEvery > 0 && n % ExpireEvery == 1 && n > 1)
            {
                Interlocked.Increment(ref Expired);
                return Task.FromResult(Error("ExpiredIteratorException", "Iterator expired"));
            }
        }

        return base.SendAsync(request, cancellationToken);
    }

    private static HttpResponseMessage Error(string type, string message)
    {
        var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent($$"""{"__type":"{{type}}","message":"{{message}}"}""", Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        response.Headers.Add("x-amzn-RequestId", "injected-" + type);
        return response;
    }
}

/// <summary><c>pipeline feed</c> (the laptop stack's feeder) into kinesalite, read back by <c>pipeline ingest</c>.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class FeedTests(LocalAws aws)
{
    [Fact]
    public void Cli_FeedThenIngest_EveryFedEventInTheLake()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("feed");
        var source = $"kinesis://{name}?endpoint={aws.KinesisEndpoint}";

        var feed = CliProcess.Run("feed", "--to", source, "--accounts", "3", "--days", "2", "--per-day", "50");
        var ingest = CliProcess.Run("ingest", "--source", source, "--lake", tmp.Path, "--until-idle", "2");

        Assert.True(feed.ExitCode == 0, feed.Stderr);
        Assert.True(ingest.ExitCode == 0, ingest.Stderr);
        var fed = long.Parse(System.Text.RegularExpressions.Regex.Match(feed.Stderr, @"Fed ([\d,]+) events").Groups[1].Value.Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(fed >= 300);
        Assert.Equal(fed, LakeReader.Scalar($"SELECT count(DISTINCT event_id) FROM {LakeReader.Source(tmp.Path)}"));
    }

    [Fact]
    public void Cli_IngestWithOtlpEndpoint_ExportsTheStreamMetricsAsTheWorkerDoes()
    {
        using var tmp = new TempDir();
        using var collector = new OtlpCollector();
        var name = StreamHarness.UniqueName("otlp");
        var source = $"kinesis://{name}?endpoint={aws.KinesisEndpoint}";
        Assert.Equal(0, CliProcess.Run("feed", "--to", source, "--accounts", "1", "--days", "1", "--per-day", "50").ExitCode);

        var ingest = CliProcess.RunWith(collector.Variables, "ingest", "--source", source, "--lake", tmp.Path, "--until-idle", "1");

        Assert.True(ingest.ExitCode == 0, ingest.Stderr);
        var text = collector.ReceivedText();
        foreach (var metric in new[] { "pipeline.source.records", "pipeline.shards.held", "pipeline.checkpoint.duration", "pipeline.events.written" })
        {
            Assert.Contains(metric, text, StringComparison.Ordinal);
        }
    }
}

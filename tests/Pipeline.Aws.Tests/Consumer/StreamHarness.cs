using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Ingest;
using Pipeline.Kinesis.Consumer;
using Pipeline.Aws.Tests.Support;

namespace Pipeline.Aws.Tests.Consumer;

/// <summary>Runs a stream ingest in-process against the local servers, with test-sized timings.</summary>
internal static class StreamHarness
{
    public static KinesisSourceOptions Options(LocalAws aws, string stream, string? leaseTable = null) => new()
    {
        Stream = stream,
        Region = "us-east-1",
        Endpoint = aws.KinesisEndpoint,
        LeaseTable = leaseTable,
        DynamoDbEndpoint = leaseTable is null ? null : aws.DynamoDbEndpoint,
        UntilIdle = TimeSpan.FromSeconds(1.5),
        IdlePollInterval = TimeSpan.FromMilliseconds(100),
        PollInterval = TimeSpan.FromMilliseconds(50),
        FlushAge = TimeSpan.FromSeconds(1),
        LeaseDuration = TimeSpan.FromSeconds(2),
    };

    public static KinesisSource Source(KinesisSourceOptions options, string lake, HttpMessageHandler? handler = null, Microsoft.Extensions.Logging.ILoggerFactory? logs = null) =>
        new(options, new IngestOptions { MemoryBudgetMiB = 64 }, new Pipeline.Lake.LocalLake(lake), TimeProvider.System, logs ?? NullLoggerFactory.Instance, LocalAws.Credentials, handler);

    public static async Task<KinesisResult> RunAsync(KinesisSourceOptions options, string lake, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        using var source = Source(options, lake, handler);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        var result = await source.Ingest.RunAsync(cts.Token);
        Assert.True(result.StoppedIdle, "the ingest did not catch up before the test's timeout");
        return result;
    }

    /// <summary>Event IDs in the lake with how often each appears.</summary>
    public static Dictionary<string, long> LakeEventIds(string lake) =>
        Directory.Exists(Path.Combine(lake, "tls_events"))
            ? LakeReader.Query($"SELECT event_id, count(*) FROM {LakeReader.Source(lake)} GROUP BY event_id")
                .ToDictionary(r => (string)r[0]!, r => Convert.ToInt64(r[1], System.Globalization.CultureInfo.InvariantCulture))
            : [];

    /// <summary>Asserts the lake holds exactly these events, each once.</summary>
    public static void AssertExactlyOnce(string lake, IReadOnlyCollection<string> expected)
    {
        var ids = LakeEventIds(lake);
        var duplicates = ids.Where(kv => kv.Value > 1).Select(kv => kv.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, "duplicate rows for " + string.Join(", ", duplicates));
        var missing = expected.Where(e => !ids.ContainsKey(e)).Take(5).ToList();
        Assert.True(missing.Count == 0, $"{expected.Count(e => !ids.ContainsKey(e))} events missing, e.g. " + string.Join(", ", missing));
        Assert.Equal(expected.Count, ids.Count);
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
}

using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Ingest;
using Pipeline.Kinesis;
using Pipeline.Kinesis.Consumer;

namespace Pipeline.Tests.Support;

/// <summary>Runs a stream ingest in-process against the local servers, with test-sized timings.</summary>
public static class StreamHarness
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

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
}

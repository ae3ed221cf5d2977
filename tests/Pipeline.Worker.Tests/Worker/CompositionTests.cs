using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Buffers;
using Pipeline.Kafka;
using Pipeline.Kinesis;
using Pipeline.Lake;
using Pipeline.S3;

namespace Pipeline.Worker.Tests.Worker;

/// <summary>AddLake / AddKinesisIngest / AddKafkaIngest: the composition the worker and the CLI share.</summary>
public sealed class CompositionTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> addSource)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddLake(configuration);
        addSource(services, configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddKafkaIngest_LocalLake_OneSinkAndOneBudgetFromTheOptions()
    {
        using var tmp = new TempDir();
        using var services = Build(
            new() { ["Worker:Lake"] = tmp.Path, ["Ingest:MemoryBudgetMiB"] = "48", ["Kafka:BootstrapServers"] = "127.0.0.1:9", ["Kafka:Topic"] = "t", ["Kafka:Group"] = "g" },
            (s, c) => s.AddKafkaIngest(c));

        Assert.NotNull(services.GetRequiredService<KafkaIngest>());
        var sink = Assert.IsType<LocalLake>(services.GetRequiredService<ILakeSink>());
        Assert.Equal(Path.GetFullPath(tmp.Path), sink.Local.Root);
        Assert.Same(services.GetRequiredService<MemoryBudget>(), services.GetRequiredService<MemoryBudget>());
        Assert.Equal(48L * 1024 * 1024, services.GetRequiredService<MemoryBudget>().LimitBytes);
    }

    [Fact]
    public void AddKinesisIngest_NoStream_FailsNamingTheKey()
    {
        using var tmp = new TempDir();
        using var services = Build(new() { ["Worker:Lake"] = tmp.Path }, (s, c) => s.AddKinesisIngest(c));

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<KinesisSource>());
        Assert.Contains("Stream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddKinesisIngest_S3LakeWithoutLeaseTable_Refused()
    {
        using var services = Build(
            new() { ["Worker:Lake"] = "s3://bucket/lake", ["Worker:S3Endpoint"] = "http://127.0.0.1:9", ["Kinesis:Stream"] = "trail" },
            (s, c) => s.AddKinesisIngest(c));

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<KinesisSource>());
        Assert.Contains("Kinesis:LeaseTable is required", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddLake_BadIngestOption_FailsNamingTheOption()
    {
        using var tmp = new TempDir();
        using var services = Build(new() { ["Worker:Lake"] = tmp.Path, ["Ingest:MemoryBudgetMiB"] = "1" }, (_, _) => { });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<MemoryBudget>());
        Assert.Contains("MemoryBudgetMiB", e.Message, StringComparison.Ordinal);
    }
}

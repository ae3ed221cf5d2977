using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Worker.Tests.Worker;

/// <summary>Log event IDs are what alerts and log queries key on: one ID, one message, across every assembly the worker loads.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void LoggerMessages_EveryAssembly_EventIdsUnique()
    {
        Assembly[] assemblies =
        [
            typeof(Pipeline.Ingest.ArchiveIngest).Assembly, typeof(Pipeline.S3.S3Lake).Assembly, typeof(Pipeline.Kinesis.KinesisSource).Assembly,
            typeof(Pipeline.Kafka.KafkaIngest).Assembly, typeof(Pipeline.Sqs.SqsIngest).Assembly, typeof(Pipeline.Worker.Hosting.WorkerOptions).Assembly,
        ];
        var ids = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();

        Assert.True(ids.Count > 40, $"only {ids.Count} logger messages found");
        var clashes = ids.GroupBy(x => x.Attribute!.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Method))}").ToList();
        Assert.Empty(clashes);
    }
}

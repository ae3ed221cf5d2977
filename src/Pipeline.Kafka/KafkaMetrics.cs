using System.Diagnostics.Metrics;
using Pipeline.Diagnostics;

namespace Pipeline.Kafka;

/// <summary>The Kafka ingest's OpenTelemetry instruments on the meter <see cref="IngestInstruments.MeterName"/>.</summary>
public sealed class KafkaMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly IDisposable _common;

    public KafkaMetrics(IMeterFactory meters, KafkaStats stats, TimeProvider time)
    {
        _meter = meters.Create(IngestInstruments.MeterName);
        _common = StreamInstruments.Add(_meter, stats, time, ("pipeline.partitions.assigned", "{partition}", "Partitions this consumer reads"));
        _meter.CreateObservableCounter("pipeline.dead_lettered", () => stats.DeadLettered, "{record}", "Rejected messages copied to the dead-letter topic");
    }

    public void Dispose()
    {
        _common.Dispose();
        _meter.Dispose();
    }
}

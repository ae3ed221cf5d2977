using System.Diagnostics.Metrics;
using Pipeline.Diagnostics;

namespace Pipeline.Kafka;

/// <summary>The Kafka ingest's OpenTelemetry instruments on the meter <see cref="IngestInstruments.MeterName"/>.</summary>
public sealed class KafkaMetrics : IDisposable
{
    private readonly Meter _meter;

    public KafkaMetrics(IMeterFactory meters, KafkaStats stats)
    {
        _meter = meters.Create(IngestInstruments.MeterName);
        IngestInstruments.Add(_meter, stats.Ingest);
        _meter.CreateObservableCounter("pipeline.source.records", () => stats.Messages, "{record}", "Kafka messages read");
        _meter.CreateObservableCounter("pipeline.source.bytes", () => stats.Bytes, "By", "Kafka message bytes read");
        _meter.CreateObservableCounter("pipeline.checkpoints", () => stats.Commits, "{checkpoint}", "Offset commits, each after its files were durable");
        _meter.CreateObservableCounter("pipeline.dead_lettered", () => stats.DeadLettered, "{record}", "Rejected messages copied to the dead-letter topic");
        _meter.CreateObservableGauge("pipeline.partitions.assigned", () => stats.Assigned.Count, "{partition}", "Partitions this consumer reads");
    }

    public void Dispose() => _meter.Dispose();
}

using System.Diagnostics.Metrics;
using Pipeline.Diagnostics;
using Pipeline.Kinesis.Consumer;

namespace Pipeline.Kinesis.Diagnostics;

/// <summary>
/// The stream ingest's OpenTelemetry instruments, on the meter <see cref="MeterName"/>: records and bytes in, events
/// written, rejects by reason, files, MillisBehindLatest and checkpoint age per shard, flush and checkpoint latency.
/// Counters read the live <see cref="KinesisStats"/>, so the hot path pays nothing for them.
/// </summary>
public sealed class KinesisMetrics : IDisposable
{
    public const string MeterName = IngestInstruments.MeterName;
    private readonly Meter _meter;
    private readonly IDisposable _common;

    public KinesisMetrics(IMeterFactory meters, KinesisStats stats, TimeProvider time)
    {
        _meter = meters.Create(MeterName);
        _common = StreamInstruments.Add(_meter, stats, time, ("pipeline.shards.held", "{shard}", "Shards this worker reads"));
        _meter.CreateObservableGauge(
            "pipeline.kinesis.millis_behind_latest",
            () => stats.MillisBehindLatest.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("shard", kv.Key))),
            "ms",
            "MillisBehindLatest of each shard's last GetRecords");
    }

    public void Dispose()
    {
        _common.Dispose();
        _meter.Dispose();
    }
}

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
    private readonly KinesisStats _stats;
    private readonly Histogram<double> _flush;
    private readonly Histogram<double> _checkpoint;

    public KinesisMetrics(IMeterFactory meters, KinesisStats stats, TimeProvider time)
    {
        _stats = stats;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableCounter("pipeline.source.records", () => stats.KinesisRecords, "{record}", "Stream records read (an aggregate or a CloudWatch Logs payload counts once)");
        _meter.CreateObservableCounter("pipeline.source.bytes", () => stats.KinesisBytes, "By", "Stream payload bytes read");
        IngestInstruments.Add(_meter, stats.Ingest);
        _meter.CreateObservableCounter("pipeline.checkpoints", () => stats.Checkpoints, "{checkpoint}", "Checkpoints moved");
        _meter.CreateObservableCounter("pipeline.source.throttled", () => stats.Throttled, "{call}", "GetRecords calls still throttled after retries");
        _meter.CreateObservableGauge("pipeline.shards.held", () => stats.HeldShards.Count, "{shard}", "Shards this worker reads");
        _meter.CreateObservableGauge(
            "pipeline.kinesis.millis_behind_latest",
            () => stats.MillisBehindLatest.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("shard", kv.Key))),
            "ms",
            "MillisBehindLatest of each shard's last GetRecords");
        _meter.CreateObservableGauge(
            "pipeline.checkpoint.age",
            () => stats.LastCheckpoint.Select(kv => new Measurement<double>((time.GetUtcNow() - kv.Value).TotalSeconds, new KeyValuePair<string, object?>("shard", kv.Key))),
            "s",
            "Time since each held shard's checkpoint last moved");
        _flush = _meter.CreateHistogram<double>("pipeline.flush.duration", "s", "Writing and syncing a batch's Parquet files");
        _checkpoint = _meter.CreateHistogram<double>("pipeline.checkpoint.duration", "s", "Moving a checkpoint (the commit point)");
        stats.Committed += Record;
    }

    public void Dispose()
    {
        _stats.Committed -= Record;
        _meter.Dispose();
    }

    private void Record(TimeSpan flush, TimeSpan checkpoint)
    {
        _flush.Record(flush.TotalSeconds);
        _checkpoint.Record(checkpoint.TotalSeconds);
    }
}

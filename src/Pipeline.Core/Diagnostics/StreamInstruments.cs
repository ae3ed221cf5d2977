using System.Diagnostics.Metrics;
using Pipeline.Sources.Streams;

namespace Pipeline.Diagnostics;

/// <summary>
/// The instruments every stream source exports, read from its live <see cref="StreamStats"/>: messages and bytes
/// in, checkpoints, throttled reads, stream partitions held, each one's checkpoint age, and flush and checkpoint
/// latency. The ingest's own instruments (<see cref="IngestInstruments"/>) come with them.
/// </summary>
public static class StreamInstruments
{
    /// <summary>Adds the instruments; dispose the result to stop recording commit latencies.</summary>
    /// <param name="meter">The meter (<see cref="IngestInstruments.MeterName"/>).</param>
    /// <param name="stats">The source's figures.</param>
    /// <param name="time">Clock for checkpoint ages.</param>
    /// <param name="held">Name, unit and description of the gauge of held stream partitions (kept per source for dashboards).</param>
    public static IDisposable Add(Meter meter, StreamStats stats, TimeProvider time, (string Name, string Unit, string Description) held)
    {
        IngestInstruments.Add(meter, stats.Ingest);
        meter.CreateObservableCounter("pipeline.source.records", () => stats.Messages, "{record}", "Stream records or messages read (an aggregate or a CloudWatch Logs payload counts once)");
        meter.CreateObservableCounter("pipeline.source.bytes", () => stats.Bytes, "By", "Stream payload bytes read");
        meter.CreateObservableCounter("pipeline.checkpoints", () => stats.Commits, "{checkpoint}", "Checkpoints moved, each after its files were durable");
        meter.CreateObservableCounter("pipeline.source.throttled", () => stats.Throttled, "{call}", "Reads still throttled after retries");
        meter.CreateObservableGauge(held.Name, () => stats.Held.Count, held.Unit, held.Description);
        meter.CreateObservableGauge(
            "pipeline.checkpoint.age",
            () => stats.LastCommit.Select(kv => new Measurement<double>((time.GetUtcNow() - kv.Value).TotalSeconds, new KeyValuePair<string, object?>("partition", kv.Key))),
            "s",
            "Time since each held stream partition's checkpoint last moved");
        return new Latencies(meter, stats);
    }

    private sealed class Latencies : IDisposable
    {
        private readonly StreamStats _stats;
        private readonly Histogram<double> _flush;
        private readonly Histogram<double> _checkpoint;

        public Latencies(Meter meter, StreamStats stats)
        {
            _stats = stats;
            _flush = meter.CreateHistogram<double>("pipeline.flush.duration", "s", "Writing and syncing a batch's Parquet files");
            _checkpoint = meter.CreateHistogram<double>("pipeline.checkpoint.duration", "s", "Moving a checkpoint (the commit point)");
            stats.Committed += Record;
        }

        public void Dispose() => _stats.Committed -= Record;

        private void Record(TimeSpan flush, TimeSpan checkpoint)
        {
            _flush.Record(flush.TotalSeconds);
            _checkpoint.Record(checkpoint.TotalSeconds);
        }
    }
}

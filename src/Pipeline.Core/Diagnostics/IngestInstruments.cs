using System.Diagnostics.Metrics;
using Pipeline.Ingest;

namespace Pipeline.Diagnostics;

/// <summary>The OpenTelemetry instruments every source shares, read from its live <see cref="IngestStats"/>.</summary>
public static class IngestInstruments
{
    /// <summary>The meter name the worker exports.</summary>
    public const string MeterName = "Pipeline";

    public static void Add(Meter meter, IngestStats stats)
    {
        meter.CreateObservableCounter("pipeline.records", () => stats.Records, "{record}", "CloudTrail records decoded");
        meter.CreateObservableCounter("pipeline.events.written", () => stats.EventsWritten, "{event}", "Rows written to Parquet");
        meter.CreateObservableCounter("pipeline.files.written", () => stats.FilesWritten, "{file}", "Parquet files written");
        meter.CreateObservableCounter("pipeline.bytes.written", () => stats.BytesWritten, "By", "Parquet bytes written");
        meter.CreateObservableCounter("pipeline.control_messages", () => stats.ControlMessages, "{message}", "CloudWatch Logs control messages skipped");
        meter.CreateObservableCounter("pipeline.strings.truncated", () => stats.TruncatedStrings, "{value}", "String values longer than 8 KiB stored cut");
        meter.CreateObservableCounter("pipeline.strings.repaired", () => stats.RepairedStrings, "{value}", "String values stored with U+FFFD for invalid UTF-8 or a lone surrogate");
        meter.CreateObservableCounter(
            "pipeline.rejects",
            () => stats.Rejects.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("reason", r.Key))),
            "{record}",
            "Records rejected, by reason");
    }
}

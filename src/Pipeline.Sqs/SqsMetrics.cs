using System.Diagnostics.Metrics;
using Pipeline.Diagnostics;

namespace Pipeline.Sqs;

/// <summary>The SQS ingest's OpenTelemetry instruments on the meter <see cref="IngestInstruments.MeterName"/>.</summary>
public sealed class SqsMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly IDisposable _common;

    public SqsMetrics(IMeterFactory meters, SqsStats stats, TimeProvider time)
    {
        _meter = meters.Create(IngestInstruments.MeterName);
        _common = StreamInstruments.Add(_meter, stats, time, ("pipeline.sqs.receivers", "{receiver}", "Receive loops of this worker"));
        _meter.CreateObservableCounter("pipeline.sqs.objects", () => stats.Objects, "{object}", "S3 objects read and committed");
        _meter.CreateObservableCounter("pipeline.sqs.objects.already_done", () => stats.AlreadyDoneObjects, "{object}", "Objects found in the lake's checkpoint (redeliveries, backfill overlap)");
        _meter.CreateObservableCounter("pipeline.sqs.messages.deleted", () => stats.DeletedMessages, "{message}", "Messages deleted after their objects were durable");
        _meter.CreateObservableCounter("pipeline.sqs.messages.not_notifications", () => stats.NotNotifications, "{message}", "Messages left for the redrive policy: not notifications");
        _meter.CreateObservableGauge("pipeline.sqs.message.age", () => stats.OldestMessageAge.TotalSeconds, "s", "Age of the oldest message of the last receive (lag)");
    }

    public void Dispose()
    {
        _common.Dispose();
        _meter.Dispose();
    }
}

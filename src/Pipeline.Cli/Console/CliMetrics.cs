using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pipeline.Diagnostics;
using Pipeline.Ingest;

namespace Pipeline.Cli.Console;

/// <summary>
/// OpenTelemetry metrics of a CLI run, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
/// exporter's own environment variables choose protocol, headers and interval). The last values are pushed when
/// the run ends, so a short backfill still reports its totals.
/// </summary>
internal sealed class CliMetrics : IDisposable
{
    private readonly Meter? _meter;
    private readonly MeterProvider? _provider;

    private CliMetrics(IngestStats stats)
    {
        _meter = new Meter(IngestInstruments.MeterName);
        IngestInstruments.Add(_meter, stats);
        _provider = Sdk.CreateMeterProviderBuilder().AddMeter(IngestInstruments.MeterName).AddOtlpExporter().Build();
    }

    private CliMetrics()
    {
    }

    /// <summary>Starts exporting <paramref name="stats"/> when an OTLP endpoint is configured; otherwise does nothing.</summary>
    public static CliMetrics Start(IngestStats stats) =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")) ? new CliMetrics() : new CliMetrics(stats);

    public void Dispose()
    {
        _provider?.ForceFlush(5000);
        _provider?.Dispose();
        _meter?.Dispose();
    }
}

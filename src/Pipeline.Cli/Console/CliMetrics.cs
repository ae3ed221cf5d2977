using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pipeline.Diagnostics;
using Pipeline.Ingest;

namespace Pipeline.Cli.Console;

/// <summary>
/// OpenTelemetry metrics of a CLI run (the same instruments as the worker's), exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
/// exporter's own environment variables choose protocol, headers and interval). The last values are pushed when
/// the run ends, so a short backfill still reports its totals.
/// </summary>
internal sealed class CliMetrics : IDisposable
{
    private readonly Meters? _meters;
    private readonly IDisposable? _instruments;
    private readonly MeterProvider? _provider;

    private CliMetrics(Func<IMeterFactory, IDisposable> instruments)
    {
        _meters = new Meters();
        _instruments = instruments(_meters);
        _provider = Sdk.CreateMeterProviderBuilder().AddMeter(IngestInstruments.MeterName).AddOtlpExporter().Build();
    }

    private CliMetrics()
    {
    }

    /// <summary>Starts exporting <paramref name="stats"/> when an OTLP endpoint is configured; otherwise does nothing.</summary>
    public static CliMetrics Start(IngestStats stats) => Start(meters =>
    {
        var meter = meters.Create(IngestInstruments.MeterName);
        IngestInstruments.Add(meter, stats);
        return meter;
    });

    /// <summary>
    /// Starts exporting the instruments <paramref name="instruments"/> creates (a stream source's: lag, checkpoints,
    /// flush latency, and the ingest counters) when an OTLP endpoint is configured; otherwise creates none.
    /// </summary>
    public static CliMetrics Start(Func<IMeterFactory, IDisposable> instruments) =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")) ? new CliMetrics() : new CliMetrics(instruments);

    public void Dispose()
    {
        _provider?.ForceFlush(5000);
        _provider?.Dispose();
        _instruments?.Dispose();
        _meters?.Dispose();
    }

    /// <summary>The meters of one run (the worker gets its factory from dependency injection).</summary>
    private sealed class Meters : IMeterFactory
    {
        private readonly List<Meter> _created = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _created)
            {
                meter.Dispose();
            }
        }
    }
}

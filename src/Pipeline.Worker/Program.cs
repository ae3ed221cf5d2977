using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using System.Diagnostics.Metrics;
using Pipeline.Diagnostics;
using Pipeline.Ingest;
using Pipeline.Kafka;
using Pipeline.Kinesis;
using Pipeline.Kinesis.Consumer;
using Pipeline.Kinesis.Diagnostics;
using Pipeline.Worker.Health;
using Pipeline.Worker.Hosting;

// The worker's one composition point: options (validated at start), the lake (a folder or S3), the source (Kinesis
// or Kafka), the hosted ingest, health endpoints and the Prometheus scrape endpoint. Configuration: appsettings.json,
// then environment variables (Worker__Lake, Kinesis__Stream, Kinesis__LeaseTable, …), then the command line.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
if (Console.IsOutputRedirected)
{
    builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
}
else
{
    builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
}

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
builder.Services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerLakeValidator>();
builder.Services.AddSingleton<WorkerLake>();
builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue($"{WorkerOptions.Section}:ShutdownTimeout", TimeSpan.FromSeconds(30)));

var source = builder.Configuration.GetValue<string>($"{WorkerOptions.Section}:Source") ?? "kinesis";
if (source == "kafka")
{
    builder.Services.AddOptions<KafkaSourceOptions>().BindConfiguration(KafkaSourceOptions.Section).ValidateOnStart();
    builder.Services.AddSingleton<IValidateOptions<KafkaSourceOptions>, KafkaSourceOptionsValidator>();
    builder.Services.AddSingleton(sp => new KafkaIngest(
        sp.GetRequiredService<IOptions<KafkaSourceOptions>>().Value,
        sp.GetRequiredService<IOptions<IngestOptions>>().Value,
        sp.GetRequiredService<WorkerLake>().Sink,
        sp.GetRequiredService<TimeProvider>(),
        sp.GetRequiredService<ILogger<KafkaIngest>>()));
    builder.Services.AddSingleton<IWorkerSource>(sp => new KafkaWorkerSource(sp.GetRequiredService<KafkaIngest>()));
    builder.Services.AddSingleton<IDisposable>(sp => new KafkaMetrics(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<KafkaIngest>().Stats));
}
else
{
    builder.Services.AddOptions<KinesisSourceOptions>().BindConfiguration(KinesisSourceOptions.Section).ValidateOnStart();
    builder.Services.AddSingleton<IValidateOptions<KinesisSourceOptions>, KinesisSourceOptionsValidator>();
    builder.Services.AddSingleton(sp => new KinesisSource(
        sp.GetRequiredService<IOptions<KinesisSourceOptions>>().Value,
        sp.GetRequiredService<IOptions<IngestOptions>>().Value,
        sp.GetRequiredService<WorkerLake>().Sink,
        sp.GetRequiredService<TimeProvider>(),
        sp.GetRequiredService<ILoggerFactory>()));
    builder.Services.AddSingleton<IWorkerSource>(sp => new KinesisWorkerSource(sp.GetRequiredService<KinesisSource>()));
    builder.Services.AddSingleton<IDisposable>(sp => new StreamMetrics(
        sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<KinesisSource>().Ingest.Stats, sp.GetRequiredService<TimeProvider>()));
}

builder.Services.AddSingleton<StreamIngestService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamIngestService>());
builder.Services.AddHealthChecks().AddCheck<IngestReadiness>("ingest", tags: ["ready"]);
builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(IngestInstruments.MeterName).AddPrometheusExporter());

var app = builder.Build();

// Create the instruments before the first scrape.
app.Services.GetRequiredService<IDisposable>();
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapPrometheusScrapingEndpoint("/metrics");
await app.RunAsync().ConfigureAwait(false);

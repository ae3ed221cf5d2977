using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using System.Diagnostics.Metrics;
using Pipeline.Diagnostics;
using Pipeline.Ingest;
using Pipeline.Kafka;
using Pipeline.Kinesis;
using Pipeline.Kinesis.Diagnostics;
using Pipeline.S3;
using Pipeline.Sqs;
using Pipeline.Worker.Health;

namespace Pipeline.Worker.Hosting;

/// <summary>The worker's composition: logging, the lake, the one configured source, the hosted ingest, health and metrics.</summary>
internal static class WorkerServices
{
    /// <summary>JSON lines when the output is collected (a pod), one line per entry on a terminal.</summary>
    public static WebApplicationBuilder AddWorkerLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        if (Console.IsOutputRedirected)
        {
            builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        return builder;
    }

    /// <summary>
    /// Adds the lake and the source <c>Worker:Source</c> names. The source decides which options are bound at all, so
    /// it is validated here, before the others, with a message naming the key.
    /// </summary>
    public static IServiceCollection AddWorkerIngest(this IServiceCollection services, IConfiguration configuration)
    {
        var worker = new WorkerOptions();
        configuration.GetSection(WorkerOptions.Section).Bind(worker);
        var outcome = new KeyedValidator<WorkerOptions>(WorkerOptions.Section, new WorkerOptionsValidator()).Validate(null, worker);
        if (outcome.Failed)
        {
            throw new OptionsValidationException(WorkerOptions.Section, typeof(WorkerOptions), outcome.Failures);
        }

        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section)).ValidateOnStart();
        services.AddKeyedValidator<WorkerOptions, WorkerOptionsValidator>(WorkerOptions.Section);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = worker.ShutdownTimeout);
        services.AddLake(configuration);
        if (worker.Source == "kafka")
        {
            services.AddKafkaIngest(configuration);
            services.AddSingleton<IWorkerSource>(sp => new KafkaWorkerSource(sp.GetRequiredService<KafkaIngest>()));
            services.AddSingleton<IDisposable>(sp => new KafkaMetrics(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<KafkaIngest>().Stats, sp.GetRequiredService<TimeProvider>()));
        }
        else if (worker.Source == "sqs")
        {
            services.AddSqsIngest(configuration);
            services.AddSingleton<IWorkerSource>(sp => new SqsWorkerSource(sp.GetRequiredService<SqsIngest>()));
            services.AddSingleton<IDisposable>(sp => new SqsMetrics(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<SqsIngest>().Stats, sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            services.AddKinesisIngest(configuration);
            services.AddSingleton<IWorkerSource>(sp => new KinesisWorkerSource(sp.GetRequiredService<KinesisSource>()));
            services.AddSingleton<IDisposable>(sp => new KinesisMetrics(
                sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<KinesisSource>().Ingest.Stats, sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<StreamIngestService>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamIngestService>());
        services.AddHealthChecks().AddCheck<IngestReadiness>("ingest", tags: ["ready"]);
        services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(IngestInstruments.MeterName).AddPrometheusExporter());
        return services;
    }

    /// <summary>Creates the instruments before the first scrape; maps liveness, readiness and <c>/metrics</c>.</summary>
    public static WebApplication MapWorkerEndpoints(this WebApplication app)
    {
        app.Services.GetRequiredService<IDisposable>();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Worker.Hosting;

namespace Pipeline.Worker.Health;

/// <summary>Ready once the ingest has listed its shards and leases, and while it runs.</summary>
internal sealed class IngestReadiness(StreamIngestService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ingest = service.Source.Ingest;
        var data = new Dictionary<string, object>
        {
            ["shards"] = ingest.HeldLeases,
            ["events_written"] = ingest.Stats.Ingest.EventsWritten,
        };
        if (!service.Running)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("ingest is not running", data: data));
        }

        return Task.FromResult(ingest.Started
            ? HealthCheckResult.Healthy($"reading {ingest.HeldLeases} shards", data)
            : HealthCheckResult.Unhealthy("not started: listing shards or leases has not succeeded yet", data: data));
    }
}

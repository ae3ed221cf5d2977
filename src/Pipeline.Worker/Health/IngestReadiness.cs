using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Worker.Hosting;

namespace Pipeline.Worker.Health;

/// <summary>Ready once the ingest has listed its shards and leases, and while it runs.</summary>
internal sealed class IngestReadiness(StreamIngestService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var source = service.Source;
        var data = new Dictionary<string, object>
        {
            ["shards_or_partitions"] = source.Units,
            ["events_written"] = source.EventsWritten,
        };
        if (!service.Running)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("ingest is not running", data: data));
        }

        return Task.FromResult(source.Started
            ? HealthCheckResult.Healthy($"reading {source.Units} shards or partitions", data)
            : HealthCheckResult.Unhealthy("not started: no shards listed or partitions assigned yet", data: data));
    }
}

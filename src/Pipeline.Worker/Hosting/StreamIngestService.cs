using Microsoft.Extensions.Options;

namespace Pipeline.Worker.Hosting;

/// <summary>
/// Runs the stream ingest for the host's lifetime. A stop (SIGTERM) cancels it: it stops reading, flushes every
/// shard's batch, checkpoints and releases its leases before the host's shutdown timeout. When the ingest ends by
/// itself (idle with <c>UntilIdle</c>) or fails, the host stops too, with exit code 1 on failure.
/// </summary>
internal sealed partial class StreamIngestService(
    IWorkerSource source, IHostApplicationLifetime lifetime, IOptions<WorkerOptions> options, ILogger<StreamIngestService> logger) : BackgroundService
{
    /// <summary>False once the ingest stopped or failed (readiness).</summary>
    public bool Running { get; private set; }

    public IWorkerSource Source => source;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Running = true;
        try
        {
            await Task.Yield();
            var events = await source.RunAsync(stoppingToken).ConfigureAwait(false);
            LogStopped(logger, options.Value.Source, events);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, options.Value.Source, e);
            Environment.ExitCode = 1;
        }
        finally
        {
            Running = false;
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(3001, LogLevel.Information, "Ingest from {Source} stopped: {Events} events written")]
    private static partial void LogStopped(ILogger logger, string source, long events);

    [LoggerMessage(3002, LogLevel.Critical, "Ingest from {Source} failed; the worker exits so that it is restarted")]
    private static partial void LogFailed(ILogger logger, string source, Exception exception);
}

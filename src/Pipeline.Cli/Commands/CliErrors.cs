using Pipeline.Ingest;

namespace Pipeline.Cli.Commands;

/// <summary>Turns failures into the one-line errors and exit codes the CLI promises.</summary>
internal static class CliErrors
{
    public const int Failed = 1;
    public const int Cancelled = 130;

    public static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await System.Console.Error.WriteLineAsync("pipeline: cancelled; run the same command again to finish (finished work is kept)").ConfigureAwait(false);
            return Cancelled;
        }
        catch (Exception e) when (e is IngestException or UsageException or Pipeline.Aws.AwsCredentialsException)
        {
            await System.Console.Error.WriteLineAsync($"pipeline: error: {e.Message}").ConfigureAwait(false);
            return Failed;
        }
        catch (Exception e) when (Pipeline.Aws.AwsDefaults.IsMissingCredentials(e) && e is not Pipeline.Aws.AwsCredentialsException)
        {
            await System.Console.Error.WriteLineAsync($"pipeline: error: {new Pipeline.Aws.AwsCredentialsException(e).Message}").ConfigureAwait(false);
            return Failed;
        }
        catch (HttpRequestException e) when (Environment.GetEnvironmentVariable("PIPELINE_DEBUG") is not "1")
        {
            await System.Console.Error.WriteLineAsync($"pipeline: error: could not reach the service: {e.Message} (check --endpoint, the region and the network)").ConfigureAwait(false);
            return Failed;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("PIPELINE_DEBUG") is not "1")
        {
            await System.Console.Error.WriteLineAsync($"pipeline: error: {e.GetType().Name}: {e.Message} (set PIPELINE_DEBUG=1 for the stack trace)").ConfigureAwait(false);
            return Failed;
        }
    }
}

/// <summary>A bad flag value, reported without a stack trace.</summary>
internal sealed class UsageException(string message) : Exception(message);

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Cli.Console;

/// <summary>Logging for the CLI: warnings and up on stderr (progress owns the terminal), JSON lines when not a terminal.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(bool verbose) => LoggerFactory.Create(builder =>
    {
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
        if (System.Console.IsErrorRedirected)
        {
            builder.AddJsonConsole(o => o.IncludeScopes = false);
        }
        else
        {
            builder.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.AddFilter("Pipeline", verbose ? LogLevel.Debug : LogLevel.Warning);
    });
}

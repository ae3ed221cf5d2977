using System.CommandLine;

namespace Pipeline.Cli.Commands;

/// <summary>The <c>pipeline</c> command tree.</summary>
internal static class PipelineCommand
{
    public static RootCommand Create() => new("Pipeline: find the clients that still call AWS over TLS 1.0/1.1, from CloudTrail.")
    {
        IngestCommand.Create(),
        ReportCommand.Create(),
        DemoCommand.Create(),
        CompactCommand.Create(),
        FeedCommand.Create(),
        SchemaCommand.Create(),
    };
}

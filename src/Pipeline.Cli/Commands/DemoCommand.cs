using System.CommandLine;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline demo</c>: a synthetic organization archive, ingested.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Write a synthetic organization archive and ingest it.");
        command.SetAction((_, _) => Task.FromResult(0));
        return command;
    }
}

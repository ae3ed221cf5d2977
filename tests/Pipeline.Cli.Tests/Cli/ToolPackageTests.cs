using System.Diagnostics;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cli;

/// <summary>The README's `pipeline` on the PATH: the CLI packed as a .NET tool, installed, and run by its command name.</summary>
public sealed class ToolPackageTests
{
    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Paths.RepoRoot };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), $"{file} {string.Join(' ', args)} did not finish");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void Pack_TheBuiltCli_InstallsAsAToolNamedPipeline()
    {
        using var dir = new TempDir();

        // --no-build: the package is made from the build the tests run, never a second build beside them.
        var pack = Run("dotnet", "pack", Path.Combine("src", "Pipeline.Cli", "Pipeline.Cli.csproj"), "-c", "Release", "--no-build", "-o", dir.Sub("artifacts"));
        Assert.True(pack.Code == 0, pack.Output);
        var install = Run("dotnet", "tool", "install", "Pipeline.Cli", "--tool-path", dir.Sub("tools"), "--add-source", dir.Sub("artifacts"));
        Assert.True(install.Code == 0, install.Output);

        var version = Run(Path.Combine(dir.Sub("tools"), "pipeline"), "--version");
        var help = Run(Path.Combine(dir.Sub("tools"), "pipeline"), "schema", "parquet");

        Assert.True(version.Code == 0, version.Output);
        Assert.StartsWith("0.1.0", version.Output.Trim(), StringComparison.Ordinal);
        Assert.True(help.Code == 0, help.Output);
        Assert.Contains("event_id", help.Output, StringComparison.Ordinal);

        // The native libraries came along: an ingest writes Parquet (ParquetSharp) and a report reads it (DuckDB).
        File.WriteAllText(dir.Sub("in.json"), Records.LogFile(Records.Record("a", time: "2026-11-18T10:00:00Z"), Records.Record("b", time: "2026-11-18T11:00:00Z")));
        var ingest = Run(Path.Combine(dir.Sub("tools"), "pipeline"), "ingest", "--source", dir.Sub("in.json"), "--lake", dir.Sub("lake"));
        Assert.True(ingest.Code == 0, ingest.Output);
        var report = Run(Path.Combine(dir.Sub("tools"), "pipeline"), "report", "--lake", dir.Sub("lake"), "--week", "2026-W47", "--out", dir.Sub("out"), "--weeks-back", "1");
        Assert.True(report.Code == 0, report.Output);
        Assert.True(File.Exists(Path.Combine(dir.Sub("out"), "2026-W47", "index.html")));
    }
}

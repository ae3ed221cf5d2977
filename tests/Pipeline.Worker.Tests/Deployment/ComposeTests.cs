using System.Diagnostics;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Deployment;

/// <summary>
/// The laptop stack's <c>docker-compose.yml</c>, validated by the compose CLI itself (which needs no daemon for
/// <c>config</c>): Debian's <c>docker-compose</c>, or <c>docker compose</c> where the Docker CLI is installed.
/// </summary>
public sealed class ComposeTests
{
    private static (string File, string[] Prefix)? Compose()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            if (File.Exists(Path.Combine(dir, "docker-compose")))
            {
                return (Path.Combine(dir, "docker-compose"), []);
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            // A Docker CLI counts only with its compose plugin ("docker compose version" answers).
            if (File.Exists(Path.Combine(dir, "docker")) && HasComposePlugin(Path.Combine(dir, "docker")))
            {
                return (Path.Combine(dir, "docker"), ["compose"]);
            }
        }

        return null;
    }

    private static bool HasComposePlugin(string docker)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(docker) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("compose");
        psi.ArgumentList.Add("version");
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (file, prefix) = Compose()!.Value;
        var psi = new ProcessStartInfo(file) { WorkingDirectory = Paths.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in prefix.Concat(["-f", "docker-compose.yml"]).Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [SkippableFact]
    public void Config_ComposeFile_ValidWithEveryService()
    {
        Skip.If(Compose() is null, "neither docker-compose nor docker is installed (.ci/run installs Debian's docker-compose)");

        var valid = Run("config", "-q");
        var services = Run("config", "--services");

        Assert.True(valid.Code == 0, valid.Err);
        Assert.True(services.Code == 0, services.Err);
        var names = services.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["bucket", "feed", "feed-kafka", "kafka", "localstack", "report", "worker-kafka", "worker-kinesis"], names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Dockerfile_MultiStageNonRoot_PublishesCliAndWorker()
    {
        var text = File.ReadAllText(Path.Combine(Paths.RepoRoot, "Dockerfile"));

        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.Contains("USER 10001", text, StringComparison.Ordinal);
        Assert.Contains("-o /out/cli", text, StringComparison.Ordinal);
        Assert.Contains("-o /out/worker", text, StringComparison.Ordinal);

        // Every project under src/ is copied before the restore (a new one forgotten here breaks the image build).
        foreach (var project in Directory.GetFiles(Path.Combine(Paths.RepoRoot, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            Assert.Contains($"COPY {Path.GetRelativePath(Paths.RepoRoot, project).Replace('\\', '/')} ", text, StringComparison.Ordinal);
        }
    }
}

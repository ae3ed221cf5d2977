using System.Diagnostics;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Deployment;

/// <summary>
/// The image's build stage run without Docker: its <c>COPY</c> lines copy from the repo (minus what
/// <c>.dockerignore</c> leaves out) into a folder of its own, and its <c>RUN</c> lines run there in order, with the
/// <c>ARG</c> defaults (the architecture: amd64) and <c>/out</c> moved into that folder. So a Dockerfile whose
/// commands fail, or that publishes something other than ReadyToRun programs that start, fails here, on machines
/// with no Docker engine.
/// </summary>
public sealed partial class DockerfileBuildTests
{
    [Fact]
    public void BuildStage_RunWithoutDocker_PublishesReadyToRunCliAndWorkerThatStart()
    {
        var root = Directory.CreateTempSubdirectory("pipeline-dockerfile-");
        try
        {
            var src = Path.Combine(root.FullName, "src");
            var output = Path.Combine(root.FullName, "out");
            Directory.CreateDirectory(src);
            var (arguments, steps) = BuildStage(File.ReadAllLines(Path.Combine(Paths.RepoRoot, "Dockerfile")));
            foreach (var (kind, text) in steps)
            {
                if (kind == "COPY")
                {
                    Copy(text, src);
                }
                else
                {
                    var run = Run("bash", ["-c", text.Replace("/out/", output + "/", StringComparison.Ordinal)], src, arguments);
                    Assert.True(run.Code == 0, $"RUN {text} failed:\n{run.Out}\n{run.Err}");
                }
            }

            foreach (var (folder, program) in new[] { ("cli", "pipeline.dll"), ("worker", "pipeline-worker.dll") })
            {
                Assert.True(File.Exists(Path.Combine(output, folder, program)), $"{folder}/{program} not published");
                Assert.True(IsReadyToRun(Path.Combine(output, folder, "Pipeline.Core.dll")), $"{folder}/Pipeline.Core.dll is IL only, not ReadyToRun");
            }

            var version = Run("dotnet", [Path.Combine(output, "cli", "pipeline.dll"), "--version"], root.FullName, []);
            Assert.True(version.Code == 0, version.Err);
            Assert.Matches(@"^\d+\.\d+\.\d+", version.Out.Trim());
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void IsReadyToRun_BuiltCliAssembly_FalseForItsIlOnlyBuild()
    {
        // The check above means something: the test build's own copy (dotnet build, not publish) is IL only.
        Assert.False(IsReadyToRun(Path.Combine(Path.GetDirectoryName(Paths.CliDll)!, "Pipeline.Core.dll")));
    }

    /// <summary>The build stage's ARG defaults and its COPY and RUN lines (continuations joined), in order.</summary>
    private static (Dictionary<string, string> Arguments, List<(string Kind, string Text)> Steps) BuildStage(string[] lines)
    {
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        var steps = new List<(string, string)>();
        var stage = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + " " + lines[++i].Trim();
            }

            if (line.StartsWith("FROM ", StringComparison.Ordinal))
            {
                stage++;
            }
            else if (stage == 1 && line.StartsWith("ARG ", StringComparison.Ordinal))
            {
                var nameAndDefault = line[4..].Split('=', 2, StringSplitOptions.TrimEntries);
                arguments[nameAndDefault[0]] = nameAndDefault.Length == 2 ? nameAndDefault[1] : string.Empty;
            }
            else if (stage == 1 && (line.StartsWith("COPY ", StringComparison.Ordinal) || line.StartsWith("RUN ", StringComparison.Ordinal)))
            {
                var kind = line[..line.IndexOf(' ', StringComparison.Ordinal)];
                steps.Add((kind, line[(kind.Length + 1)..].Trim()));
            }
        }

        Assert.Contains(steps, s => s.Item1 == "RUN");
        return (arguments, steps);
    }

    /// <summary>COPY SOURCE… DEST, relative to the repo and to the stage's working folder.</summary>
    private static void Copy(string text, string workdir)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var dest = Path.Combine(workdir, parts[^1]);
        foreach (var source in parts[..^1])
        {
            var from = Path.Combine(Paths.RepoRoot, source.TrimEnd('/'));
            if (File.Exists(from))
            {
                var target = parts[^1].EndsWith('/') ? Path.Combine(dest, Path.GetFileName(from)) : dest;
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(from, target, overwrite: true);
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                if (Ignored(relative))
                {
                    continue;
                }

                var target = Path.Combine(dest, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
        }
    }

    /// <summary>What .dockerignore leaves out of a copied folder: every bin/ and obj/.</summary>
    private static bool Ignored(string relative) => BuildOutput().IsMatch(relative.Replace('\\', '/'));

    [GeneratedRegex(@"(^|/)(bin|obj)/")]
    private static partial Regex BuildOutput();

    private static bool IsReadyToRun(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        return pe.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    private static (int Code, string Out, string Err) Run(string file, string[] args, string workdir, Dictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workdir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        // No build servers left behind holding this test's output pipes open.
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

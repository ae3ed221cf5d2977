using System.Diagnostics;

namespace Pipeline.Tests.Support;

/// <summary>Runs the built <c>pipeline</c> as a user would: a separate process.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Process Start(params string[] args) => StartWith([], args);

    /// <summary>Starts it with extra environment variables.</summary>
    public static Process StartWith(IEnumerable<(string Name, string Value)> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        psi.ArgumentList.Add(Paths.CliDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }

    public static Result Run(params string[] args) => RunWith([], args);

    /// <summary>Runs it to the end with extra environment variables.</summary>
    public static Result RunWith(IEnumerable<(string Name, string Value)> environment, params string[] args)
    {
        using var p = StartWith(environment, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("pipeline " + string.Join(' ', args) + " did not finish");
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}

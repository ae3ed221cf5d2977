using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>The worker service as a pod runs it: a process configured by environment variables, with its HTTP endpoints.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public WorkerProcess(params (string Name, string Value)[] environment)
    {
        Port = Loopback.FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pipeline-worker.dll"));
        psi.Environment["Urls"] = $"http://127.0.0.1:{Port}";
        foreach (var (n, v) in environment)
        {
            psi.Environment[n] = v;
        }

        _process = Process.Start(psi)!;
        _stdout = _process.StandardOutput.ReadToEndAsync();
        _stderr = _process.StandardError.ReadToEndAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public async Task<string> OutputAsync() => await _stdout + await _stderr;

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Sends a signal the way Kubernetes does (TERM on stop).</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(path);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return (0, string.Empty);
        }
        catch (TaskCanceledException)
        {
            return (0, string.Empty);
        }
    }

    /// <summary>Waits for a condition, failing with the worker's output if it exits or a minute passes.</summary>
    public async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (_process.HasExited)
            {
                Assert.Fail($"{failure}: worker exited with {_process.ExitCode}: {await OutputAsync()}");
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), failure);
            await Task.Delay(200);
        }
    }

    /// <summary>Sums a metric's samples in a Prometheus text exposition.</summary>
    public static double Metric(string exposition, string name) =>
        exposition.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Sum();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        Http.Dispose();
    }

}

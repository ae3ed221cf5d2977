using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pipeline.Kinesis.Tests.Consumer;
using Pipeline.Kinesis.Tests.Support;

namespace Pipeline.Kinesis.Tests.Worker;

/// <summary>The worker service as it runs in a pod: a process configured by environment variables.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class WorkerProcessTests(LocalAws aws)
{
    [Fact]
    public async Task Worker_RunsThenSigterm_HealthMetricsAndGracefulFlush()
    {
        using var tmp = new TempDir();
        var name = StreamHarness.UniqueName("worker");
        var (client, feeder) = await StreamFeeder.CreateAsync(aws, name, 2);
        using var kinesis = client;
        await feeder.PutMixedAsync(1_000);
        var port = FreePort();
        using var worker = Start(
            ("Worker__Lake", tmp.Path),
            ("Kinesis__Stream", name),
            ("Kinesis__Endpoint", aws.KinesisEndpoint.ToString()),
            ("Kinesis__LeaseTable", "leases-" + name),
            ("Kinesis__DynamoDbEndpoint", aws.DynamoDbEndpoint.ToString()),
            ("Kinesis__FlushAge", "01:00:00"),
            ("Kinesis__IdlePollInterval", "00:00:00.100"),
            ("Urls", $"http://127.0.0.1:{port}"));
        var stdout = worker.StandardOutput.ReadToEndAsync();
        var stderr = worker.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

        await Until(async () => (await Get(http, "/health/live")).Status == HttpStatusCode.OK, "never live", worker, stderr);
        await Until(async () => (await Get(http, "/health/ready")).Status == HttpStatusCode.OK, "never ready", worker, stderr);
        await Until(
            async () => (await Get(http, "/metrics")).Body.Contains("pipeline_records_total", StringComparison.Ordinal)
                        && Metric((await Get(http, "/metrics")).Body, "pipeline_records_total") >= 1_000,
            "records never counted",
            worker,
            stderr);

        // Nothing is flushed yet (flush age one hour): SIGTERM must flush, checkpoint and exit 0.
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "tls_events")));
        Signal(worker, "TERM");
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGTERM");
        Assert.True(worker.ExitCode == 0, await stderr + await stdout);
        StreamHarness.AssertExactlyOnce(tmp.Path, feeder.EventIds);
    }

    [Fact]
    public async Task Worker_MissingStream_FailsAtStartNamingTheSetting()
    {
        using var tmp = new TempDir();
        using var worker = Start(("Worker__Lake", tmp.Path), ("Urls", $"http://127.0.0.1:{FreePort()}"));
        var output = worker.StandardOutput.ReadToEndAsync();
        var error = worker.StandardError.ReadToEndAsync();

        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(0, worker.ExitCode);
        Assert.Contains("Stream", await output + await error, StringComparison.Ordinal);
    }

    private static Process Start(params (string Name, string Value)[] environment)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pipeline-worker.dll"));
        foreach (var (n, v) in environment)
        {
            psi.Environment[n] = v;
        }

        return Process.Start(psi)!;
    }

    private static void Signal(Process p, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {p.Id}");
        kill.WaitForExit();
    }

    private static async Task<(HttpStatusCode Status, string Body)> Get(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return (0, string.Empty);
        }
    }

    private static double Metric(string exposition, string name) =>
        exposition.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Sum();

    private static async Task Until(Func<Task<bool>> condition, string failure, Process worker, Task<string> stderr)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (worker.HasExited)
            {
                Assert.Fail($"{failure}: worker exited with {worker.ExitCode}: {await stderr}");
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), failure);
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

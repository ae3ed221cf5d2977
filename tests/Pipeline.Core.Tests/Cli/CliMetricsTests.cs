using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cli;

/// <summary>The CLI's metrics reach an OTLP/HTTP collector when one is configured by the standard environment variables.</summary>
public sealed class CliMetricsTests
{
    [Fact]
    public async Task Ingest_OtlpEndpointSet_ExportsIngestCountersAtTheEnd()
    {
        using var tmp = new TempDir();
        var file = tmp.Sub("in.json");
        await File.WriteAllTextAsync(file, Records.LogFile(Records.Record("a"), Records.Record("b")));
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var bodies = new List<byte[]>();
        var receive = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (HttpListenerException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                using var ms = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(ms);
                lock (bodies)
                {
                    bodies.Add(ms.ToArray());
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { Paths.CliDll, "ingest", "--source", file, "--lake", tmp.Sub("lake") })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}";
        psi.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.True(p.ExitCode == 0, await stderr);
        collector.Stop();

        byte[][] received;
        lock (bodies)
        {
            received = [.. bodies];
        }

        var text = string.Join('\n', received.Select(b => Encoding.UTF8.GetString(b)));
        Assert.Contains("pipeline.events.written", text, StringComparison.Ordinal);
        Assert.Contains("pipeline.records", text, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Tests.Support;

/// <summary>
/// An OTLP/HTTP collector in the test: it takes every export request and keeps the bodies. Protobuf carries metric
/// names as plain UTF-8, so a test can look for them in <see cref="ReceivedText"/>.
/// </summary>
public sealed class OtlpCollector : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<byte[]> _bodies = [];
    private readonly Task _receive;

    public OtlpCollector()
    {
        Endpoint = $"http://127.0.0.1:{Loopback.FreePort()}";

        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _receive = Task.Run(ReceiveAsync);
    }

    /// <summary>The value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>).</summary>
    public string Endpoint { get; }

    /// <summary>The environment variables that point an OpenTelemetry SDK at this collector.</summary>
    public IEnumerable<(string Name, string Value)> Variables => [("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")];

    /// <summary>Stops listening and returns what was received, as text.</summary>
    public string ReceivedText()
    {
        _listener.Stop();
        _receive.Wait(TimeSpan.FromSeconds(5));
        lock (_bodies)
        {
            return string.Join('\n', _bodies.Select(b => Encoding.UTF8.GetString(b)));
        }
    }

    public void Dispose() => _listener.Close();

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            if (await Loopback.NextAsync(_listener) is not { } context)
            {
                return;
            }

            using var ms = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(ms);
            lock (_bodies)
            {
                _bodies.Add(ms.ToArray());
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}

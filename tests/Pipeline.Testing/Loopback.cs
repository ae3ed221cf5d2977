using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>What the in-process HTTP servers of the tests (the OTLP receiver, the Athena stand-in) share.</summary>
internal static class Loopback
{
    /// <summary>A port free on 127.0.0.1 now (the servers of a test run each take one).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The next request, or null once the listener is stopped.</summary>
    public static async Task<HttpListenerContext?> NextAsync(HttpListener listener)
    {
        try
        {
            return await listener.GetContextAsync();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            return null;
        }
    }
}

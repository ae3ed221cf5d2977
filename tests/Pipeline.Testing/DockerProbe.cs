using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>Whether a Docker daemon answers here (Testcontainers tests skip with this reason when not).</summary>
public static class DockerProbe
{
    public static string? UnavailableReason { get; } = Probe();

    private static string? Probe()
    {
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host)
        {
            return null; // Let Testcontainers talk to the configured daemon; it fails loudly if that is wrong.
        }

        const string socket = "/var/run/docker.sock";
        if (!File.Exists(socket))
        {
            return $"no Docker daemon: {socket} does not exist and DOCKER_HOST is not set (the same scenarios run against kinesalite/dynalite)";
        }

        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(socket));
            return null;
        }
        catch (SocketException e)
        {
            return $"no Docker daemon answers on {socket}: {e.Message} (the same scenarios run against kinesalite/dynalite)";
        }
    }
}

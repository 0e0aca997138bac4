using System.Net;
using System.Net.Sockets;

namespace Inference.Cli.Serving;

public static class FreePort
{
    /// <summary>A loopback port the OS reports free now (another process could still take it before we bind).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// <paramref name="count"/> loopback ports the OS reports free now, different from each other and from
    /// <paramref name="taken"/>. Asking <see cref="Next()"/> once per service is not enough: a port is free again
    /// the moment its probe listener closes, so the OS may hand it out twice (about 1 in 1,500 sets of five), or
    /// hand out the HTTP port the user chose, and then one service fails to bind and serve stops.
    /// </summary>
    public static IReadOnlyList<int> Next(int count, IEnumerable<int> taken)
    {
        var used = new HashSet<int>(taken);
        var ports = new List<int>(count);
        while (ports.Count < count)
        {
            var port = Next();
            if (used.Add(port)) ports.Add(port);
        }
        return ports;
    }

    /// <summary>Whether a loopback port can be bound now, so a taken port fails before any service starts.</summary>
    public static bool IsAvailable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

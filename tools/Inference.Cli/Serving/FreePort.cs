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

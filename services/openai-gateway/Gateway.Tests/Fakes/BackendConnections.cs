using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Gateway.Tests.Fakes;

/// <summary>The open connections to the fake backends, so a test can cut them as a crashing scheduler would.</summary>
public sealed class BackendConnections
{
    private readonly ConcurrentDictionary<string, ConnectionContext> _open = new();

    /// <summary>Kestrel connection middleware that keeps track of each connection while it is open.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        _open[connection.ConnectionId] = connection;
        try
        {
            await next(connection);
        }
        finally
        {
            _open.TryRemove(connection.ConnectionId, out _);
        }
    };

    /// <summary>Aborts every open connection: the gateway sees its calls fail with no gRPC status.</summary>
    public void DropAll()
    {
        foreach (var connection in _open.Values)
        {
            connection.Abort(new ConnectionAbortedException("The test dropped the backend connection."));
        }
    }
}

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.ServiceDefaults.Hosting;

/// <summary>
/// Logs the addresses Kestrel bound, once it has started: <c>Listening on: http://127.0.0.1:41235</c>. With port 0 in
/// <c>urls</c> the operating system picks a free port at bind time, and this line is how a launcher (serve) learns
/// which one; probing for a free port and passing it on instead races with every other socket on the machine.
/// </summary>
internal sealed partial class ListeningAddressLog(IServer server, IHostApplicationLifetime lifetime, ILogger<ListeningAddressLog> logger)
    : IHostedService
{
    /// <summary>The text before the addresses; launchers match on it.</summary>
    public const string Prefix = "Listening on: ";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            if (server.Features.Get<IServerAddressesFeature>()?.Addresses is { Count: > 0 } addresses)
                LogListening(string.Join(", ", addresses));
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = Prefix + "{Addresses}")]
    private partial void LogListening(string addresses);
}

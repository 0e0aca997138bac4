using System.Net;
using System.Net.Sockets;
using Gateway.Tests.Fakes;
using Inference.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The real gateway on loopback ports, in front of a fake scheduler and a fake tokenizer served over h2c by one
/// Kestrel host. One per test class; tests in a class run one at a time, so they may swap the scheduler's script.
/// </summary>
public class GatewayHost : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private WebApplication? _backends;
    private WebApplication? _gateway;

    public GatewayHost() => Adapters = new FakeLoraAdapters(Scheduler);

    public FakeScheduler Scheduler { get; } = new();

    /// <summary>The fake scheduler's LoraAdapters service (runtime loads and unloads of its adapters).</summary>
    public FakeLoraAdapters Adapters { get; }

    public FakeTokenizer Tokenizer { get; } = new();

    /// <summary>The gateway's connections to the fake backends.</summary>
    public BackendConnections BackendConnections { get; } = new();

    /// <summary>What the gateway logged (at warning and above unless <see cref="ExtraArgs"/> lowers the level).</summary>
    public CapturedLogs Logs { get; } = new();

    public HttpClient Http { get; private set; } = null!;

    public Uri HttpAddress { get; private set; } = null!;

    public Uri GrpcAddress { get; private set; } = null!;

    /// <summary>More gateway command-line settings, for hosts that need them.</summary>
    protected virtual IEnumerable<string> ExtraArgs => [];

    /// <summary>More gateway wiring after its own, for hosts that need it (a test clock).</summary>
    protected virtual void ConfigureGateway(WebApplicationBuilder builder)
    {
    }

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        _backends = BuildBackends();
        await _backends.StartAsync(cts.Token);
        var backendAddress = _backends.Urls.Single();

        var grpcPort = FreePort();
        _gateway = GatewayApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--Gateway:SchedulerAddress", backendAddress,
            "--Gateway:TokenizerAddress", backendAddress,
            "--Gateway:GrpcPort", grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default", "Warning",
            .. ExtraArgs,
        ],
        builder =>
        {
            builder.Logging.AddProvider(Logs);
            ConfigureGateway(builder);
        });
        await _gateway.StartAsync(cts.Token);

        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpAddress = new Uri(_gateway.Urls.Single(url => new Uri(url).Port != grpcPort));
        Http = new HttpClient { BaseAddress = HttpAddress, Timeout = Timeout };
    }

    public virtual async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }

        if (_backends is not null)
        {
            await _backends.StopAsync();
            await _backends.DisposeAsync();
        }
    }

    private WebApplication BuildBackends()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(BackendConnections.Track);
            }));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Scheduler);
        builder.Services.AddSingleton(Tokenizer);
        builder.Services.AddSingleton(Adapters);
        var app = builder.Build();
        app.MapGrpcService<FakeScheduler>();
        app.MapGrpcService<FakeLoraAdapters>();
        app.MapGrpcService<FakeTokenizer>();
        app.MapGet("/metrics", () => Results.Text(Scheduler.MetricsText, PrometheusText.ContentType));
        return app;
    }

    /// <summary>A port free right now; the gRPC front door needs a fixed number before the gateway starts.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

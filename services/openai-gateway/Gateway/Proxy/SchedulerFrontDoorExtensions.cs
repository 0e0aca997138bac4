using System.Net;
using Gateway.Configuration;
using Gateway.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

/// <summary>
/// The gRPC front door: direct <c>inference.scheduler.v1.Generation</c> clients reach the scheduler through
/// the gateway's HTTP/2 port, so the edge (limits, auth, logging) is the same for them and for HTTP clients.
/// </summary>
public static class SchedulerFrontDoorExtensions
{
    public const string RouteId = "scheduler-generation";
    public const string ClusterId = "scheduler";

    /// <summary>The path prefix of the public generation service's gRPC methods.</summary>
    public const string GenerationPrefix = "/inference.scheduler.v1.Generation";

    /// <summary>The gRPC methods of the public generation service, and nothing else of the scheduler.</summary>
    public const string GenerationPath = GenerationPrefix + "/{**catch-all}";

    public static IServiceCollection AddSchedulerFrontDoor(this IServiceCollection services, GatewayOptions options)
    {
        IReadOnlyList<RouteConfig> routes = options.GrpcPort is { } port
            ? [BuildRoute()]
            : [];
        services.AddReverseProxy().LoadFromMemory(routes, [BuildCluster(options.SchedulerAddress)]);
        return services;
    }

    /// <param name="grpcPort">The front door's HTTP/2 port; the proxied calls are served only there.</param>
    public static WebApplication MapSchedulerFrontDoor(this WebApplication app, int? grpcPort)
    {
        var proxy = app.MapReverseProxy();
        if (grpcPort is { } port)
        {
            // Only on the HTTP/2 port: an HTTP/1.1 request cannot carry gRPC.
            proxy.RequireLocalPort(port);
        }

        return app;
    }

    private static RouteConfig BuildRoute() => new()
    {
        RouteId = RouteId,
        ClusterId = ClusterId,
        Match = new RouteMatch { Path = GenerationPath },
    };

    private static ClusterConfig BuildCluster(string schedulerAddress) => new()
    {
        ClusterId = ClusterId,
        LoadBalancingPolicy = "PowerOfTwoChoices",
        Destinations = new Dictionary<string, DestinationConfig>
        {
            ["scheduler-0"] = new() { Address = schedulerAddress },
        },
        // The scheduler speaks cleartext HTTP/2 (h2c): ask for exactly that, without an upgrade dance.
        HttpRequest = new ForwarderRequestConfig
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // YARP drops a call idle for 100 s by default; a queued generation may wait longer for its first token.
            ActivityTimeout = TimeSpan.FromMinutes(30),
        },
    };
}

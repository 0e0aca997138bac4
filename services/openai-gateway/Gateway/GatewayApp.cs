using Gateway.Api;
using Gateway.Backends;
using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Observability;
using Gateway.Proxy;
using Gateway.Security;

namespace Gateway;

/// <summary>Builds the gateway; Program.cs runs it and the tests host the very same app.</summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = builder.AddGatewayOptions();
        builder.ConfigureGatewayEndpoints(options);

        builder.Services.AddBackends(options);
        builder.Services.AddGatewayMetrics();
        builder.Services.AddSchedulerFrontDoor(options);
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks();

        var app = builder.Build();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapOpenAiApi();
        app.MapGatewayMetrics();
        app.MapSchedulerFrontDoor();
        app.MapGrpcHealthChecksService();
        return app;
    }
}

using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Worker.Service;

/// <summary>Builds the worker host; Program runs it, tests host it on a loopback port.</summary>
public static class WorkerApp
{
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));

        builder.Services.AddWorker();
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks().AddCheck<WorkerReadinessHealthCheck>("model");

        var app = builder.Build();
        app.UseMiddleware<ClientResetMiddleware>();
        app.MapGrpcService<WorkerGrpcService>();
        app.MapGrpcHealthChecksService();
        return app;
    }
}

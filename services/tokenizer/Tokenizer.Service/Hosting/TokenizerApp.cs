using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tokenizer.Core;
using Tokenizer.Service.Grpc;

namespace Tokenizer.Service.Hosting;

/// <summary>The tokenizer service's composition: options → tokenizer → gRPC + health.</summary>
public static class TokenizerApp
{
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        // gRPC over cleartext needs HTTP/2 only (Kestrel cannot serve h2c and HTTP/1.1 on one cleartext port).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
        builder.Services.AddQwenTokenizer(builder.Configuration);
        builder.Services.AddGrpc();
        // The tokenizer is loaded before the server starts, so a running service is a ready one.
        builder.Services.AddGrpcHealthChecks().AddCheck("tokenizer", () => HealthCheckResult.Healthy());
        // Publish health at once rather than after the default 5 s, so launchers see readiness quickly.
        builder.Services.Configure<HealthCheckPublisherOptions>(options => options.Delay = TimeSpan.Zero);

        WebApplication app = builder.Build();
        app.MapGrpcService<TokenizerGrpcService>();
        app.MapGrpcHealthChecksService();
        // Load now: a bad model folder fails the start, not the first request.
        app.Services.GetRequiredService<QwenTokenizer>();
        return app;
    }
}

using Inference.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tokenizer.Core;
using Tokenizer.Service.Grpc;

namespace Tokenizer.Service.Hosting;

/// <summary>The tokenizer service's composition: defaults → tokenizer → gRPC.</summary>
public static class TokenizerApp
{
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.UseHttp2Only();
        // The tokenizer is loaded before the server starts, so a running service is a ready one.
        builder.AddServiceDefaults("tokenizer").AddCheck("tokenizer", () => HealthCheckResult.Healthy());
        builder.Services.AddQwenTokenizer(builder.Configuration);

        WebApplication app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService<TokenizerGrpcService>();
        // Load now: a bad model folder fails the start, not the first request.
        app.Services.GetRequiredService<QwenTokenizer>();
        return app;
    }
}

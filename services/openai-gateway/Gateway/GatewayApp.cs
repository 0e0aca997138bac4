using Gateway.Api;
using Gateway.Api.Conversations;
using Gateway.Api.Errors;
using Gateway.Api.Reasoning;
using Gateway.Api.Responses;
using Gateway.Backends;
using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Observability;
using Gateway.Proxy;
using Gateway.Security;
using Inference.ServiceDefaults;

namespace Gateway;

/// <summary>Builds the gateway; Program.cs runs it and the tests host the very same app.</summary>
public static class GatewayApp
{
    /// <param name="args">Command-line settings.</param>
    /// <param name="configure">Runs after the gateway's own wiring, before the app is built (tests add a log sink).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("openai-gateway", GatewayMetrics.MeterName);
        var options = builder.AddGatewayOptions();
        builder.ConfigureGatewayEndpoints(options);

        builder.Services.AddBackends(options);
        builder.Services.AddSingleton<ReasoningOutput>();
        builder.Services.AddSingleton<ResponseStore>();
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<BackgroundResponses>();
        builder.Services.AddGatewayMetrics(options);
        builder.Services.AddSchedulerFrontDoor(options);
        builder.Services.AddFrontDoorReflection();
        builder.Services.AddGatewayCors(options);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseStatusCodeEnvelope();
        app.UseGatewayCors(options);
        app.UseMiddleware<RequestHeaderLimits>();
        app.UseLocalPortEndpoints();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapOpenAiApi(options);
        app.MapGatewayMetrics();
        app.MapSchedulerFrontDoor(options.GrpcPort);
        app.MapFrontDoorReflection(options.GrpcPort);
        app.MapGrpcHealthChecksService();
        return app;
    }
}

using Grpc.Net.Client;
using Inference.Observability;
using Inference.Contracts.Tokenizer.V1;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Scheduler.Core;
using Scheduler.Service.Adapters;
using Scheduler.Service.Configuration;
using Scheduler.Service.Engine;
using Scheduler.Service.GrpcServices;
using Scheduler.Service.Workers;

namespace Scheduler.Service.Hosting;

public static class SchedulerServiceExtensions
{
    /// <summary>Kestrel serves cleartext HTTP/2 only: gRPC without TLS cannot share a port with HTTP/1.1.</summary>
    public static WebApplicationBuilder UseHttp2Only(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
        return builder;
    }

    /// <summary>Options, the worker registry, the tokenizer client, the engine host and health checks.</summary>
    public static IServiceCollection AddScheduler(this IServiceCollection services)
    {
        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchedulerOptions>, SchedulerOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<WorkerDirectory>();
        services.AddSingleton(sp =>
        {
            var address = sp.GetRequiredService<IOptions<SchedulerOptions>>().Value.TokenizerAddress;
            return new TokenizerChannel(GrpcChannel.ForAddress(address));
        });
        services.AddSingleton(sp => new GrpcTextTokenizer(new Tokenizer.TokenizerClient(sp.GetRequiredService<TokenizerChannel>().Channel)));
        services.AddSingleton<EngineHost>();
        services.AddHostedService(sp => sp.GetRequiredService<EngineHost>());
        services.AddHostedService<WorkerWatcher>();
        services.AddPrometheusTextExporter(InferenceEngine.MeterName);
        services.AddGrpc();
        services.AddGrpcHealthChecks().AddCheck<EngineReadinessCheck>("engine");
        return services;
    }

    public static WebApplication MapScheduler(this WebApplication app)
    {
        app.MapGrpcService<GenerationService>();
        app.MapGrpcService<WorkerRegistryService>();
        app.MapGrpcHealthChecksService();

        // The engine's vllm:* series, over the same cleartext HTTP/2 port (the gateway's /metrics includes them).
        app.MapPrometheusMetrics();
        return app;
    }
}

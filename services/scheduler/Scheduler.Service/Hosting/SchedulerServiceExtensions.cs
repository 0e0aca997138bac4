using Grpc.Net.Client;
using Inference.Contracts.Tokenizer.V1;
using Microsoft.Extensions.Options;
using Scheduler.Service.Adapters;
using Scheduler.Service.Configuration;
using Scheduler.Service.Engine;
using Scheduler.Service.GrpcServices;
using Scheduler.Service.Workers;

namespace Scheduler.Service.Hosting;

public static class SchedulerServiceExtensions
{
    /// <summary>Options, the worker registry and watcher, the tokenizer client and the engine host.</summary>
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
        return services;
    }

    public static WebApplication MapScheduler(this WebApplication app)
    {
        app.MapGrpcService<GenerationService>();
        app.MapGrpcService<WorkerRegistryService>();
        app.MapGrpcService<LoraAdaptersService>();
        return app;
    }
}

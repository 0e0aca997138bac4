using Gateway.Configuration;
using Inference.Contracts.Scheduler.V1;
using Inference.Contracts.Tokenizer.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Backends;

public static class BackendServiceCollectionExtensions
{
    /// <summary>gRPC clients for the scheduler and the tokenizer, behind their domain interfaces.</summary>
    public static IServiceCollection AddBackends(this IServiceCollection services, GatewayOptions options)
    {
        services.AddGrpcClient<Generation.GenerationClient>(o => o.Address = new Uri(options.SchedulerAddress));
        services.AddGrpcClient<LoraAdapters.LoraAdaptersClient>(o => o.Address = new Uri(options.SchedulerAddress));
        services.AddGrpcClient<Tokenizer.TokenizerClient>(o => o.Address = new Uri(options.TokenizerAddress));
        services.AddTransient<IGenerationService, SchedulerGenerationService>();
        services.AddTransient<ILoraAdapterService, SchedulerLoraAdapterService>();
        services.AddTransient<ITokenizerService, GrpcTokenizerService>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ServedModel>();
        services.AddSingleton<TokenTextCache>();
        return services;
    }
}

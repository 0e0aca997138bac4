using Microsoft.Extensions.Options;

namespace Worker.Service;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>Options (validated at start), the model host and loader, and scheduler registration.</summary>
    public static IServiceCollection AddWorker(this IServiceCollection services)
    {
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.AddSingleton<ModelHost>();
        services.AddHostedService<ModelLoader>();
        services.AddHostedService<SchedulerRegistration>();
        return services;
    }
}

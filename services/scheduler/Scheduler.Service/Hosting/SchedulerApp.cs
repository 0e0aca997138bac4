using Inference.ServiceDefaults;
using Scheduler.Core;
using Scheduler.Service.Engine;

namespace Scheduler.Service.Hosting;

/// <summary>Builds the scheduler; Program runs it and the tests host the very same app.</summary>
public static class SchedulerApp
{
    /// <param name="configure">Runs after the scheduler's own wiring, before the app is built (tests set addresses).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.UseHttp2Only();
        builder.AddServiceDefaults("scheduler", InferenceEngine.MeterName).AddCheck<EngineReadinessCheck>("engine");
        builder.Services.AddScheduler();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapScheduler();
        return app;
    }
}

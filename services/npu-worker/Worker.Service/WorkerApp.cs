using Inference.ServiceDefaults;

namespace Worker.Service;

/// <summary>Builds the worker host; Program runs it, tests host it on a loopback port.</summary>
public static class WorkerApp
{
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.UseHttp2Only();
        builder.AddServiceDefaults("npu-worker").AddCheck<WorkerReadinessHealthCheck>("model");
        builder.Services.AddWorker();

        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService<WorkerGrpcService>();
        return app;
    }
}

using Grpc.Core;
using Inference.Contracts.Scheduler.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Worker.Tests.Support;

/// <summary>A scheduler that only answers RegisterWorker, on a loopback port, and hands over the first request it got.</summary>
internal sealed class FakeSchedulerRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Registrations _registrations;

    private FakeSchedulerRegistry(WebApplication app, Registrations registrations)
    {
        _app = app;
        _registrations = registrations;
    }

    public string Address => _app.Urls.First();

    public Task<RegisterWorkerRequest> FirstRegistration => _registrations.First.Task;

    public static async Task<FakeSchedulerRegistry> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
        var registrations = new Registrations();
        builder.Services.AddSingleton(registrations);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<Registry>();
        await app.StartAsync().WaitAsync(WorkerServiceHost.Timeout);
        return new FakeSchedulerRegistry(app, registrations);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(WorkerServiceHost.Timeout);
        await _app.DisposeAsync();
    }

    internal sealed class Registrations
    {
        public TaskCompletionSource<RegisterWorkerRequest> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal sealed class Registry(Registrations registrations) : WorkerRegistry.WorkerRegistryBase
    {
        public override Task<RegisterWorkerResponse> RegisterWorker(RegisterWorkerRequest request, ServerCallContext context)
        {
            registrations.First.TrySetResult(request);
            return Task.FromResult(new RegisterWorkerResponse { WorkerId = "w0" });
        }
    }
}

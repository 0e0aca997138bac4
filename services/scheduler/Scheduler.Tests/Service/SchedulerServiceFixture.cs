using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Inference.ServiceDefaults;
using Scheduler.Service.Hosting;

namespace Scheduler.Tests.Service;

/// <summary>Fake worker and tokenizer gRPC servers plus the real scheduler service, all on loopback ports.</summary>
public sealed class SchedulerServiceFixture : IAsyncDisposable
{
    private readonly WebApplication _fakes;
    private readonly WebApplication _scheduler;

    private SchedulerServiceFixture(WebApplication fakes, WebApplication scheduler, FakeWorkerService worker, string fakesAddress)
    {
        _fakes = fakes;
        _scheduler = scheduler;
        Worker = worker;
        FakesAddress = fakesAddress;
        Channel = GrpcChannel.ForAddress(Address(scheduler));
    }

    public FakeWorkerService Worker { get; }

    /// <summary>Where the fake worker and tokenizer listen.</summary>
    public string FakesAddress { get; }

    public GrpcChannel Channel { get; }

    public static async Task<SchedulerServiceFixture> StartAsync(bool withWorker)
    {
        var worker = new FakeWorkerService();
        var fakesBuilder = WebApplication.CreateSlimBuilder();
        fakesBuilder.UseHttp2Only();
        fakesBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        fakesBuilder.Logging.ClearProviders();
        fakesBuilder.Services.AddGrpc();
        fakesBuilder.Services.AddSingleton(worker);
        var fakes = fakesBuilder.Build();
        fakes.MapGrpcService<FakeWorkerService>();
        fakes.MapGrpcService<FakeTokenizerService>();
        await fakes.StartAsync();
        var fakesAddress = Address(fakes);

        var scheduler = SchedulerApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration["Scheduler:TokenizerAddress"] = fakesAddress;
            builder.Configuration["Scheduler:WorkerHealthIntervalSeconds"] = "0.2";
            if (withWorker)
            {
                builder.Configuration["Scheduler:WorkerAddresses:0"] = fakesAddress;
            }
        });
        await scheduler.StartAsync();
        return new SchedulerServiceFixture(fakes, scheduler, worker, fakesAddress);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _scheduler.StopAsync();
        await _scheduler.DisposeAsync();
        await _fakes.StopAsync();
        await _fakes.DisposeAsync();
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
}

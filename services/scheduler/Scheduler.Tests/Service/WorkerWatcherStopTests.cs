using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Service.Hosting;
using Scheduler.Service.Workers;

namespace Scheduler.Tests.Service;

public sealed class WorkerWatcherStopTests
{
    /// <summary>
    /// A health check still waiting on a worker when the scheduler stops (for example because Kestrel could not bind
    /// its port) ends with the stop: the watcher must not fail the host with the cancelled call's RpcException.
    /// </summary>
    [Fact]
    public async Task StoppingWhileAHealthCheckWaits_EndsTheWatcherCleanly()
    {
        // A worker address that accepts connections and never answers, so the check is in flight when the stop comes.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try { accepted.Add(await silent.AcceptSocketAsync()); }
                catch (Exception) { return; }
            }
        });

        var scheduler = SchedulerApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration["Scheduler:TokenizerAddress"] = "http://127.0.0.1:1";
            builder.Configuration["Scheduler:WorkerHealthIntervalSeconds"] = "30";
            builder.Configuration["Scheduler:WorkerAddresses:0"] = $"http://{silent.LocalEndpoint}";
        });
        await scheduler.StartAsync();
        var watcher = scheduler.Services.GetServices<IHostedService>().OfType<WorkerWatcher>().Single();
        while (accepted.Count == 0) await Task.Delay(20);

        await scheduler.StopAsync();
        await scheduler.DisposeAsync();
        silent.Stop();
        foreach (var socket in accepted) socket.Dispose();

        Assert.NotNull(watcher.ExecuteTask);
        Assert.True(watcher.ExecuteTask.IsCompletedSuccessfully, $"the watcher ended {watcher.ExecuteTask.Status}: {watcher.ExecuteTask.Exception}");
    }
}

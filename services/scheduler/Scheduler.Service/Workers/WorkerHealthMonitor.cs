using Grpc.Core;
using Inference.Contracts.Worker.V1;
using Microsoft.Extensions.Options;
using Scheduler.Service.Configuration;

namespace Scheduler.Service.Workers;

/// <summary>Calls every registered worker's Health rpc periodically and logs when one goes up or down.</summary>
public sealed partial class WorkerHealthMonitor(
    WorkerDirectory registry,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<WorkerHealthMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.WorkerHealthIntervalSeconds);
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            await Task.WhenAll(registry.Workers.Select(w => CheckAsync(w, interval, stoppingToken)));
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task CheckAsync(RegisteredWorker worker, TimeSpan timeout, CancellationToken stoppingToken)
    {
        bool healthy;
        string detail;
        try
        {
            var client = new Worker.WorkerClient(worker.Channel);
            var response = await client.HealthAsync(new HealthRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: stoppingToken);
            healthy = response.Ready;
            detail = response.Ready ? $"ready, {response.NumRequests} requests" : "not ready";
        }
        catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            healthy = false;
            detail = $"{ex.StatusCode}: {ex.Status.Detail}";
        }

        var previous = worker.IsHealthy;
        worker.IsHealthy = healthy;
        if (previous != healthy)
        {
            if (healthy)
            {
                LogWorkerHealthy(worker.WorkerId, worker.Address.ToString(), detail);
            }
            else
            {
                LogWorkerUnhealthy(worker.WorkerId, worker.Address.ToString(), detail);
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Worker {WorkerId} at {Address} is healthy ({Detail})")]
    private partial void LogWorkerHealthy(string workerId, string address, string detail);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Worker {WorkerId} at {Address} is unhealthy ({Detail})")]
    private partial void LogWorkerUnhealthy(string workerId, string address, string detail);
}

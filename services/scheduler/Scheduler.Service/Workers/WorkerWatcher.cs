using Grpc.Core;
using Inference.Abstractions.Execution;
using Inference.Contracts.Worker.V1;
using Inference.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;
using Scheduler.Service.Adapters;
using Scheduler.Service.Configuration;
using Scheduler.Service.Engine;

namespace Scheduler.Service.Workers;

/// <summary>
/// Keeps the engine's fleet in line with the workers that answer: every interval (and at once when a worker
/// registers) it calls each known worker's Health. A ready worker whose instance is not serving is connected
/// and joins the engine (a restarted worker joins as a new instance with empty KV; the old one leaves first);
/// a serving worker that fails <see cref="SchedulerOptions.WorkerHealthFailureThreshold"/> checks in a row is
/// removed, and its requests move to the others.
/// </summary>
public sealed partial class WorkerWatcher(
    WorkerDirectory directory,
    EngineHost host,
    IOptions<SchedulerOptions> options,
    ILogger<WorkerWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var address in options.Value.WorkerAddresses)
        {
            directory.Register(new Uri(address), device: "", numBlocks: 0);
        }

        var interval = TimeSpan.FromSeconds(options.Value.WorkerHealthIntervalSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.WhenAll(directory.Workers.Select(w => CheckAsync(w, interval, stoppingToken)));
                await directory.WaitForChangeAsync(interval, stoppingToken);
            }
        }
        catch (Exception e) when (e.IsStopping(stoppingToken))
        {
            // Also a health call cancelled by the stop (for example when Kestrel could not bind): not the worker's failure.
        }
    }

    private async Task CheckAsync(RegisteredWorker worker, TimeSpan interval, CancellationToken stoppingToken)
    {
        var timeout = interval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : interval;
        HealthResponse? health = null;
        string? failure = null;
        try
        {
            var client = new Worker.WorkerClient(worker.Channel);
            health = await client.HealthAsync(new HealthRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: stoppingToken);
            if (!health.Ready)
            {
                failure = "not ready (loading)";
            }
        }
        catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            failure = HealthCallFailure.Describe(ex, timeout);
        }

        var serving = host.Engine?.Snapshot.Workers.FirstOrDefault(w => w.WorkerId == worker.WorkerId);
        if (health is { InstanceId.Length: > 0 } && serving is not null && serving.InstanceId != health.InstanceId)
        {
            // The process behind the address restarted: what the engine knows of the old one is void.
            host.Engine!.RemoveWorker(worker.WorkerId, serving.InstanceId, $"restarted as instance {health.InstanceId}");
            serving = null;
        }

        if (failure is not null)
        {
            worker.ConsecutiveFailures++;
            SetHealthy(worker, false, failure);
            if (serving is not null && worker.ConsecutiveFailures >= options.Value.WorkerHealthFailureThreshold)
            {
                host.Engine!.RemoveWorker(worker.WorkerId, serving.InstanceId,
                    $"{worker.ConsecutiveFailures} health checks failed, the last: {failure}");
            }

            return;
        }

        worker.ConsecutiveFailures = 0;
        worker.InstanceId = health!.InstanceId;
        SetHealthy(worker, true, $"instance {health.InstanceId}");
        if (serving is null && worker.RefusedInstanceId != health.InstanceId)
        {
            await JoinAsync(worker, health.InstanceId, timeout, stoppingToken);
        }
    }

    private async Task JoinAsync(RegisteredWorker worker, string instanceId, TimeSpan timeout, CancellationToken stoppingToken)
    {
        // The same process as the last join serves again through the same executor (and step stream). A new one would
        // need the old one closed, and that could break a lane still using it: the engine's snapshot lags a join just
        // made, so a second check can come here while the first join's lane already serves.
        var executor = worker.Executor;
        if (executor is null || executor.InstanceId != instanceId)
        {
            try
            {
                executor = await GrpcStepExecutor.ConnectAsync(worker.Channel, timeout, stoppingToken);
            }
            catch (ExecutorFaultException ex)
            {
                LogConnectFailed(worker.WorkerId, worker.Address.ToString(), ex.Message);
                return;
            }

            // A different process: the engine replaces (or has already dropped) the lane of the last join.
            worker.Executor?.Close();
            worker.Executor = executor;
        }

        try
        {
            await host.GetOrCreateEngine(executor.Info).AddWorkerAsync(worker.WorkerId, executor.InstanceId, executor, stoppingToken);
        }
        catch (ArgumentException ex)
        {
            worker.RefusedInstanceId = executor.InstanceId;
            LogRefused(worker.WorkerId, worker.Address.ToString(), ex.Message);
        }
        catch (ExecutorFaultException ex)
        {
            // It stopped answering while loading the adapters loaded at run time: the next check tries again.
            LogConnectFailed(worker.WorkerId, worker.Address.ToString(), ex.Message);
        }
    }

    private void SetHealthy(RegisteredWorker worker, bool healthy, string detail)
    {
        var previous = worker.IsHealthy;
        worker.IsHealthy = healthy;
        if (previous == healthy)
        {
            return;
        }

        if (healthy)
        {
            LogWorkerHealthy(worker.WorkerId, worker.Address.ToString(), detail);
        }
        else if (previous is null)
        {
            LogWorkerNotYetHealthy(worker.WorkerId, worker.Address.ToString(), detail);
        }
        else
        {
            LogWorkerUnhealthy(worker.WorkerId, worker.Address.ToString(), detail);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Worker {WorkerId} at {Address} is healthy ({Detail})")]
    private partial void LogWorkerHealthy(string workerId, string address, string detail);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Worker {WorkerId} at {Address} is unhealthy ({Detail})")]
    private partial void LogWorkerUnhealthy(string workerId, string address, string detail);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Worker {WorkerId} at {Address} is not serving yet ({Detail})")]
    private partial void LogWorkerNotYetHealthy(string workerId, string address, string detail);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Worker {WorkerId} at {Address} answered health but not Info: {Reason}")]
    private partial void LogConnectFailed(string workerId, string address, string reason);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "Worker {WorkerId} at {Address} cannot join: {Reason}")]
    private partial void LogRefused(string workerId, string address, string reason);
}

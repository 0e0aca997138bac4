using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;
using Inference.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Worker.Service;

/// <summary>
/// When Worker:SchedulerAddress is set: once the model is ready, registers with the scheduler (retrying with
/// backoff until it succeeds) and re-registers every 10 s so a restarted scheduler learns of this worker.
/// Registration is idempotent by address and instance id on the scheduler side; a new instance id from the same
/// address (this process restarted) makes the scheduler drop the KV and prefix cache it knew for the old one.
/// </summary>
public sealed partial class SchedulerRegistration(
    ModelHost host, IOptions<WorkerOptions> options, IServer server, IHostApplicationLifetime lifetime, ILogger<SchedulerRegistration> logger)
    : BackgroundService
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.SchedulerAddress))
        {
            return;
        }

        try
        {
            await WaitForStart(stoppingToken);
            while (!host.IsReady)
            {
                await Task.Delay(200, stoppingToken);
            }

            string address = o.AdvertisedAddress ?? ListenAddress();
            using var channel = GrpcChannel.ForAddress(o.SchedulerAddress);
            var client = new WorkerRegistry.WorkerRegistryClient(channel);
            var backoff = TimeSpan.FromMilliseconds(200);
            bool registered = false;
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var request = new RegisterWorkerRequest
                    {
                        Address = address, Device = host.Runner!.Info.Device, NumBlocks = host.Runner.Info.NumBlocks, InstanceId = host.InstanceId,
                    };
                    var reply = await client.RegisterWorkerAsync(request, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken);
                    if (!registered)
                    {
                        LogRegistered(logger, o.SchedulerAddress, address, host.InstanceId, reply.WorkerId);
                        registered = true;
                    }

                    backoff = TimeSpan.FromMilliseconds(200);
                    await Task.Delay(RefreshInterval, stoppingToken);
                }
                catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRegistrationFailed(logger, o.SchedulerAddress, e.Status.StatusCode, e.Status.Detail);
                    registered = false;
                    await Task.Delay(backoff, stoppingToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                }
            }
        }
        catch (Exception e) when (e.IsStopping(stoppingToken))
        {
        }
    }

    private Task WaitForStart(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }

    /// <summary>
    /// The first address Kestrel listens on (after binding, so port 0 resolves to the real port). A wildcard host
    /// (http://+:50061, http://[::]:50061, as in a container) is replaced by this machine's host name, which
    /// is what other containers on the same network resolve; so each replica of a scaled worker advertises itself.
    /// </summary>
    private string ListenAddress()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel has no listen address; set Worker:AdvertisedAddress.");
        var uri = new UriBuilder(first.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = System.Net.Dns.GetHostName();
        }

        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Registered with scheduler {Scheduler} as {Address}, instance {InstanceId} (worker id {WorkerId})")]
    private static partial void LogRegistered(ILogger logger, string scheduler, string address, string instanceId, string workerId);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Registering with scheduler {Scheduler} failed ({StatusCode}: {Detail}); retrying")]
    private static partial void LogRegistrationFailed(ILogger logger, string scheduler, StatusCode statusCode, string detail);
}

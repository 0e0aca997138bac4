using Grpc.Core;
using Grpc.Net.Client;
using Inference.Abstractions.Execution;
using Inference.Contracts.Worker.V1;
using Inference.Contracts.Mapping;

namespace Scheduler.Service.Adapters;

/// <summary>
/// Runs engine steps on one remote worker instance through <c>inference.worker.v1.Worker</c>. Every step names
/// the instance it was planned for, so a worker that restarted in between refuses it instead of reading KV
/// memory it never wrote.
/// </summary>
public sealed class GrpcStepExecutor : IStepExecutor
{
    private readonly Worker.WorkerClient _client;

    private GrpcStepExecutor(Worker.WorkerClient client, ExecutorInfo info, string instanceId)
    {
        _client = client;
        Info = info;
        InstanceId = instanceId;
    }

    public ExecutorInfo Info { get; }

    /// <summary>The worker process start this executor talks to.</summary>
    public string InstanceId { get; }

    /// <summary>Fetches the worker's Info; the executor is usable once that answered.</summary>
    /// <exception cref="ExecutorFaultException">The worker did not answer, or has no instance id.</exception>
    public static async Task<GrpcStepExecutor> ConnectAsync(GrpcChannel channel, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = new Worker.WorkerClient(channel);
        InfoResponse info;
        try
        {
            info = await client.InfoAsync(new InfoRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw new ExecutorFaultException($"Worker at {channel.Target} did not answer Info: {ex.StatusCode} {ex.Status.Detail}", ex);
        }

        if (string.IsNullOrEmpty(info.InstanceId))
        {
            throw new ExecutorFaultException($"Worker at {channel.Target} reports no instance_id; it is too old for this scheduler.");
        }

        return new GrpcStepExecutor(client, WorkerMessages.ToDomain(info), info.InstanceId);
    }

    /// <summary>The engine cancels the call when the step's deadline passes or the worker is removed.</summary>
    public async Task<StepResult> ExecuteAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        ExecuteResponse response;
        try
        {
            response = await _client.ExecuteAsync(WorkerMessages.ToProto(plan, InstanceId), cancellationToken: cancellationToken);
        }
        catch (RpcException ex)
        {
            throw new ExecutorFaultException($"Worker failed step {plan.StepId}: {ex.StatusCode} {ex.Status.Detail}", ex);
        }

        if (response.InstanceId != InstanceId)
        {
            throw new ExecutorFaultException($"Step {plan.StepId} was answered by instance '{response.InstanceId}', planned for '{InstanceId}'.");
        }

        return WorkerMessages.ToDomain(response);
    }
}

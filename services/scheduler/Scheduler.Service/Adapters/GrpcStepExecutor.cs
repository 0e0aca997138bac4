using Grpc.Core;
using Grpc.Net.Client;
using Inference.Abstractions.Execution;
using Inference.Contracts.Worker.V1;
using Inference.Contracts.Mapping;

namespace Scheduler.Service.Adapters;

/// <summary>
/// Runs engine steps on one remote worker instance through <c>inference.worker.v1.Worker</c>'s ExecuteStream, in
/// the order they are handed over (<see cref="WorkerStepStream"/>). Every step names the instance it was planned for,
/// so a worker that restarted in between refuses it instead of reading KV memory it never wrote.
/// </summary>
public sealed class GrpcStepExecutor : IStepExecutor
{
    private readonly Worker.WorkerClient _client;
    private readonly Lock _streamLock = new();
    private WorkerStepStream? _stream;
    private bool _closed;

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

    /// <summary>The step goes out behind those handed over before it. The engine cancels it when its deadline passes
    /// or the worker is removed, which fails the steps behind it too (they were planned on its result).</summary>
    public Task<StepResult> ExecuteAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        WorkerStepStream stream;
        lock (_streamLock)
        {
            if (_closed)
            {
                return Task.FromException<StepResult>(new ExecutorFaultException($"Step {plan.StepId}: the executor for instance {InstanceId} was closed."));
            }

            if (_stream is null || _stream.IsBroken)
            {
                _stream = new WorkerStepStream(_client);
            }

            stream = _stream;
        }

        return AnswerAsync(plan, stream.SendAsync(WorkerMessages.ToProto(plan, InstanceId), cancellationToken));
    }

    /// <summary>Ends the open step stream, so the worker does not keep an idle call for a lane that left (a newer
    /// executor serves the worker once it joins again); later steps fail.</summary>
    public void Close()
    {
        lock (_streamLock)
        {
            _closed = true;
            _stream?.Close();
        }
    }

    private async Task<StepResult> AnswerAsync(StepPlan plan, Task<ExecuteResponse> answer)
    {
        ExecuteResponse response;
        try
        {
            response = await answer.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw new ExecutorFaultException($"Worker failed step {plan.StepId}: {ex.StatusCode} {ex.Status.Detail}", ex);
        }

        if (response.StepId != plan.StepId)
        {
            throw new ExecutorFaultException($"Step {plan.StepId} was answered as step {response.StepId}.");
        }

        if (response.InstanceId != InstanceId)
        {
            throw new ExecutorFaultException($"Step {plan.StepId} was answered by instance '{response.InstanceId}', planned for '{InstanceId}'.");
        }

        return WorkerMessages.ToDomain(response);
    }
}

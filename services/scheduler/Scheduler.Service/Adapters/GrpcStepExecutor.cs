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

    /// <summary>How long a worker may take to read and convert an adapter's files.</summary>
    private static readonly TimeSpan LoraLoadTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The worker's refusals as IStepExecutor states them; anything else is a fault.</summary>
    public async Task<LoraAdapterInfo> LoadLoraAdapterAsync(string name, string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.LoadLoraAdapterAsync(new LoadLoraAdapterRequest { Name = name, Path = path },
                deadline: DateTime.UtcNow + LoraLoadTimeout, cancellationToken: cancellationToken);
            return CommonMessages.ToDomain(response.Adapter);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw ex.StatusCode switch
            {
                StatusCode.InvalidArgument => new ArgumentException(ex.Status.Detail, ex),
                StatusCode.NotFound => new FileNotFoundException(ex.Status.Detail, ex),
                StatusCode.AlreadyExists or StatusCode.FailedPrecondition => new InvalidOperationException(ex.Status.Detail, ex),
                StatusCode.Unimplemented => new NotSupportedException($"The worker at instance {InstanceId} loads no LoRA adapters at run time (too old for this scheduler).", ex),
                _ => new ExecutorFaultException($"{ex.StatusCode} {ex.Status.Detail}", ex),
            };
        }
    }

    public async Task<bool> UnloadLoraAdapterAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await _client.UnloadLoraAdapterAsync(new UnloadLoraAdapterRequest { Name = name },
                deadline: DateTime.UtcNow + LoraLoadTimeout, cancellationToken: cancellationToken);
            return true;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw ex.StatusCode == StatusCode.FailedPrecondition
                ? new InvalidOperationException(ex.Status.Detail, ex)
                : new ExecutorFaultException($"{ex.StatusCode} {ex.Status.Detail}", ex);
        }
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

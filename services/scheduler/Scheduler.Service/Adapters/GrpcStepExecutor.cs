using Grpc.Core;
using Grpc.Net.Client;
using Inference.Abstractions.Execution;
using Inference.Contracts.Worker.V1;

namespace Scheduler.Service.Adapters;

/// <summary>Runs engine steps on a remote worker through <c>inference.worker.v1.Worker</c>.</summary>
public sealed class GrpcStepExecutor : IStepExecutor
{
    private readonly Worker.WorkerClient _client;

    private GrpcStepExecutor(Worker.WorkerClient client, ExecutorInfo info)
    {
        _client = client;
        Info = info;
    }

    public ExecutorInfo Info { get; }

    /// <summary>Fetches the worker's Info; the executor is usable once that answered.</summary>
    /// <exception cref="ExecutorFaultException">The worker did not answer.</exception>
    public static async Task<GrpcStepExecutor> ConnectAsync(GrpcChannel channel, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = new Worker.WorkerClient(channel);
        try
        {
            var info = await client.InfoAsync(new InfoRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
            return new GrpcStepExecutor(client, WorkerMessages.ToDomain(info));
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw new ExecutorFaultException($"Worker at {channel.Target} did not answer Info: {ex.Status.Detail}", ex);
        }
    }

    public async Task<StepResult> ExecuteAsync(StepPlan plan, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.ExecuteAsync(WorkerMessages.ToProto(plan), cancellationToken: cancellationToken);
            return WorkerMessages.ToDomain(response);
        }
        catch (RpcException ex) when (IsFault(ex.StatusCode))
        {
            throw new ExecutorFaultException($"Worker failed step {plan.StepId}: {ex.StatusCode} {ex.Status.Detail}", ex);
        }
    }

    private static bool IsFault(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.DeadlineExceeded or StatusCode.Unknown
            or StatusCode.ResourceExhausted or StatusCode.Aborted;
}

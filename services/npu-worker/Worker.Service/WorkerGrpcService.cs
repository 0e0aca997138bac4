using Grpc.Core;
using Inference.Contracts.Mapping;
using Proto = Inference.Contracts.Worker.V1;

namespace Worker.Service;

/// <summary>inference.worker.v1.Worker: maps messages at the edge and delegates to the model runner.</summary>
public sealed partial class WorkerGrpcService(ModelHost host, ILogger<WorkerGrpcService> logger) : Proto.Worker.WorkerBase
{
    public override Task<Proto.InfoResponse> Info(Proto.InfoRequest request, ServerCallContext context) =>
        Task.FromResult(WorkerMessages.ToProto(RequireRunner().Info, host.InstanceId));

    public override Task<Proto.ExecuteResponse> Execute(Proto.ExecuteRequest request, ServerCallContext context) =>
        ExecuteOneAsync(request, context);

    /// <summary>Steps in stream order, one at a time: the next one is read once the last one's answer is written (it
    /// already waits in the stream's buffer when the scheduler plans ahead).</summary>
    public override async Task ExecuteStream(IAsyncStreamReader<Proto.ExecuteRequest> requestStream,
        IServerStreamWriter<Proto.ExecuteResponse> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var response = await ExecuteOneAsync(request, context);
            await responseStream.WriteAsync(response, context.CancellationToken);
        }
    }

    private async Task<Proto.ExecuteResponse> ExecuteOneAsync(Proto.ExecuteRequest request, ServerCallContext context)
    {
        RequirePlannedForThisInstance(request);
        var runner = RequireRunner();
        try
        {
            // The runner runs one step at a time; concurrent calls queue in order of arrival.
            var result = await runner.ExecuteAsync(WorkerMessages.ToDomain(request), context.CancellationToken);
            return WorkerMessages.ToProto(result, host.InstanceId);
        }
        catch (ArgumentException e)
        {
            LogInvalidPlan(logger, request.StepId, e.Message);
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller cancelled or its deadline passed: normal traffic, so no log of ours (gRPC notes the status at Information).
            throw new RpcException(new Status(StatusCode.Cancelled, $"step {request.StepId} was cancelled before it ran"));
        }
        catch (Exception e) when (e is not RpcException)
        {
            LogStepFailed(logger, e, request.StepId);
            throw new RpcException(new Status(StatusCode.Internal, $"step {request.StepId} failed: {e.Message}"));
        }
    }

    public override Task<Proto.HealthResponse> Health(Proto.HealthRequest request, ServerCallContext context) =>
        Task.FromResult(new Proto.HealthResponse { Ready = host.IsReady, NumRequests = host.Runner?.NumRequests ?? 0, InstanceId = host.InstanceId });

    /// <summary>
    /// A plan made for another instance (this worker's previous life) names block ids and prefix-cache hits in KV
    /// memory this process never had; running it would read garbage, so it is refused before anything changes.
    /// Empty means the caller does not check (older clients, tests).
    /// </summary>
    private void RequirePlannedForThisInstance(Proto.ExecuteRequest request)
    {
        if (request.InstanceId.Length == 0 || request.InstanceId == host.InstanceId)
        {
            return;
        }

        LogWrongInstance(logger, request.StepId, request.InstanceId, host.InstanceId);
        throw new RpcException(new Status(StatusCode.FailedPrecondition,
            $"step {request.StepId} was planned for worker instance {request.InstanceId}, but this is instance {host.InstanceId} (the worker restarted); re-read Info and re-plan"));
    }

    private Worker.Runtime.ModelRunner RequireRunner() =>
        host.Runner ?? throw new RpcException(new Status(StatusCode.Unavailable, "the model is still loading; retry when Health reports ready"));

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Rejected step {StepId}: {Reason}")]
    private static partial void LogInvalidPlan(ILogger logger, long stepId, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Step {StepId} failed")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, long stepId);

    // Information, not Warning: after a restart the scheduler's in-flight step lands here once by design.
    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Refused step {StepId} planned for instance {PlannedInstanceId}; this is instance {InstanceId}")]
    private static partial void LogWrongInstance(ILogger logger, long stepId, string plannedInstanceId, string instanceId);
}

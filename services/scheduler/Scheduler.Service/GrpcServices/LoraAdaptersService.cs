using Grpc.Core;
using Inference.Abstractions.Execution;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;
using Scheduler.Core;
using Scheduler.Service.Engine;

namespace Scheduler.Service.GrpcServices;

/// <summary><c>inference.scheduler.v1.LoraAdapters</c>: LoRA adapters loaded and unloaded while the engine serves; the
/// engine's refusals become the status codes the service documents.</summary>
public sealed class LoraAdaptersService(EngineHost host) : LoraAdapters.LoraAdaptersBase
{
    public override Task<LoadLoraAdapterResponse> LoadLoraAdapter(LoadLoraAdapterRequest request, ServerCallContext context) =>
        AnswerAsync(async engine => new LoadLoraAdapterResponse
        {
            Adapter = CommonMessages.ToProto(await engine.LoadLoraAdapterAsync(request.LoraName, request.LoraPath, context.CancellationToken)),
        });

    public override Task<UnloadLoraAdapterResponse> UnloadLoraAdapter(UnloadLoraAdapterRequest request, ServerCallContext context) =>
        AnswerAsync(async engine => new UnloadLoraAdapterResponse { NumRequestsUsing = await engine.UnloadLoraAdapterAsync(request.LoraName) });

    /// <summary>Runs the call on the engine, its refusals answered with the status codes the service documents.</summary>
    private async Task<T> AnswerAsync<T>(Func<InferenceEngine, Task<T>> call)
    {
        var engine = RequireEngine();
        try
        {
            return await call(engine);
        }
        catch (Exception ex) when (ToRpcException(ex) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <summary>This service's own refusals, then the engine's common ones, then what the workers' load and unload throw
    /// (after the common ones: ObjectDisposedException is an InvalidOperationException).</summary>
    private static RpcException? ToRpcException(Exception exception) => exception switch
    {
        LoraAdapterConflictException ex => new RpcException(new Status(StatusCode.AlreadyExists, ex.Message)),
        LoraAdapterNotFoundException ex => new RpcException(new Status(StatusCode.NotFound, ex.Message)),
        FileNotFoundException ex => new RpcException(new Status(StatusCode.NotFound, ex.Message)),
        _ when EngineRefusals.ToRpcException(exception) is { } common => common,
        ArgumentException ex => new RpcException(new Status(StatusCode.InvalidArgument, ex.Message)),
        InvalidOperationException or NotSupportedException => new RpcException(new Status(StatusCode.FailedPrecondition, exception.Message)),
        ExecutorFaultException => new RpcException(new Status(StatusCode.Unavailable, exception.Message)),
        _ => null,
    };

    private InferenceEngine RequireEngine() =>
        host.Engine ?? throw new RpcException(new Status(StatusCode.Unavailable, "no worker has joined yet, so no LoRA adapter can be loaded"));
}

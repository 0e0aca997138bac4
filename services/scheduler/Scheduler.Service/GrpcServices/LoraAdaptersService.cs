using Grpc.Core;
using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;
using Scheduler.Core;
using Scheduler.Service.Engine;

namespace Scheduler.Service.GrpcServices;

/// <summary><c>inference.scheduler.v1.LoraAdapters</c>: LoRA adapters loaded and unloaded while the engine serves; the
/// engine's refusals become the status codes the service documents.</summary>
public sealed class LoraAdaptersService(EngineHost host) : LoraAdapters.LoraAdaptersBase
{
    public override async Task<LoadLoraAdapterResponse> LoadLoraAdapter(LoadLoraAdapterRequest request, ServerCallContext context)
    {
        var engine = RequireEngine();
        try
        {
            var adapter = await engine.LoadLoraAdapterAsync(request.LoraName, request.LoraPath, context.CancellationToken);
            return new LoadLoraAdapterResponse { Adapter = CommonMessages.ToProto(adapter) };
        }
        catch (Exception ex) when (ToRpcException(ex) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task<UnloadLoraAdapterResponse> UnloadLoraAdapter(UnloadLoraAdapterRequest request, ServerCallContext context)
    {
        var engine = RequireEngine();
        try
        {
            var numUsing = await engine.UnloadLoraAdapterAsync(request.LoraName);
            return new UnloadLoraAdapterResponse { NumRequestsUsing = numUsing };
        }
        catch (Exception ex) when (ToRpcException(ex) is { } rpc)
        {
            throw rpc;
        }
    }

    private static RpcException? ToRpcException(Exception exception) => exception switch
    {
        GenerationValidationException ex => ValidationErrors.ToRpcException(ex),
        LoraAdapterConflictException ex => new RpcException(new Status(StatusCode.AlreadyExists, ex.Message)),
        LoraAdapterNotFoundException ex => new RpcException(new Status(StatusCode.NotFound, ex.Message)),
        FileNotFoundException ex => new RpcException(new Status(StatusCode.NotFound, ex.Message)),
        ArgumentException ex => new RpcException(new Status(StatusCode.InvalidArgument, ex.Message)),
        // Before InvalidOperationException, which it derives from.
        ObjectDisposedException => new RpcException(new Status(StatusCode.Unavailable, "the engine is shutting down")),
        InvalidOperationException or NotSupportedException => new RpcException(new Status(StatusCode.FailedPrecondition, exception.Message)),
        EngineUnavailableException or ExecutorFaultException => new RpcException(new Status(StatusCode.Unavailable, exception.Message)),
        _ => null,
    };

    private InferenceEngine RequireEngine() =>
        host.Engine ?? throw new RpcException(new Status(StatusCode.Unavailable, "no worker has joined yet, so no LoRA adapter can be loaded"));
}

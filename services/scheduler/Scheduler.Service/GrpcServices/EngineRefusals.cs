using Grpc.Core;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;
using Scheduler.Core;

namespace Scheduler.Service.GrpcServices;

/// <summary>The engine's refusals that every service of the scheduler answers alike, as the status codes the contracts
/// document; each service maps its own refusals first.</summary>
internal static class EngineRefusals
{
    /// <returns>The status to answer, or null for anything that is no such refusal.</returns>
    public static RpcException? ToRpcException(Exception exception) => exception switch
    {
        GenerationValidationException ex => ValidationErrors.ToRpcException(ex),
        DuplicateRequestIdException ex => new RpcException(new Status(StatusCode.AlreadyExists, ex.Message)),
        EngineOverloadedException ex => new RpcException(new Status(StatusCode.ResourceExhausted, ex.Message)),
        EngineUnavailableException ex => new RpcException(new Status(StatusCode.Unavailable, ex.Message)),
        TaskNotSupportedException ex => new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message)),
        ObjectDisposedException => new RpcException(new Status(StatusCode.Unavailable, "the engine is shutting down")),
        _ => null,
    };
}

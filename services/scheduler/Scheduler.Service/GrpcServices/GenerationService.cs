using Grpc.Core;
using Inference.Contracts.Scheduler.V1;
using Scheduler.Core;
using Scheduler.Service.Engine;
using Scheduler.Service.Workers;

namespace Scheduler.Service.GrpcServices;

/// <summary><c>inference.scheduler.v1.Generation</c>: maps messages at the edge and delegates to the engine.</summary>
public sealed class GenerationService(EngineHost host, WorkerDirectory registry) : Generation.GenerationBase
{
    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        var engine = RequireEngine();
        try
        {
            var domain = GenerationMessages.ToDomain(request);
            await foreach (var output in engine.GenerateAsync(domain, context.CancellationToken))
            {
                await responseStream.WriteAsync(GenerationMessages.ToProto(output), context.CancellationToken);
            }
        }
        catch (GenerationValidationException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        catch (ObjectDisposedException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the engine is shutting down"));
        }
    }

    public override Task<GetModelInfoResponse> GetModelInfo(GetModelInfoRequest request, ServerCallContext context)
    {
        var engine = RequireEngine();
        return Task.FromResult(new GetModelInfoResponse
        {
            ModelName = engine.ServedModelName,
            MaxModelLen = engine.MaxModelLength,
            VocabSize = engine.ExecutorInfo.VocabSize,
            NumWorkers = registry.NumHealthy,
        });
    }

    private InferenceEngine RequireEngine() =>
        host.Engine ?? throw new RpcException(new Status(StatusCode.Unavailable, "no worker registered"));
}

using Grpc.Core;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;
using Scheduler.Core;
using Scheduler.Service.Engine;
using Scheduler.Service.Workers;

namespace Scheduler.Service.GrpcServices;

/// <summary><c>inference.scheduler.v1.Generation</c>: maps messages at the edge and delegates to the engine.</summary>
public sealed class GenerationService(EngineHost host, WorkerDirectory directory) : Generation.GenerationBase
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
        catch (Exception ex) when (EngineRefusals.ToRpcException(ex) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
    {
        var engine = RequireEngine();
        try
        {
            var result = await engine.EmbedAsync(EmbeddingMessages.ToDomain(request), context.CancellationToken);
            return EmbeddingMessages.ToProto(result);
        }
        catch (OperationCanceledException ex) when (!context.CancellationToken.IsCancellationRequested)
        {
            // Aborted by id (the Abort RPC) or by shutdown, not by its caller.
            throw new RpcException(new Status(StatusCode.Cancelled, ex.Message));
        }
        catch (Exception ex) when (EngineRefusals.ToRpcException(ex) is { } rpc)
        {
            throw rpc;
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
            NumWorkers = engine.Snapshot.Workers.Count,
            LoraAdapters = { engine.LoraAdapters.Select(CommonMessages.ToProto) },
            Classifier = engine.ExecutorInfo.Classifier is { } classifier ? CommonMessages.ToProto(classifier) : null,
        });
    }

    public override Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        var engine = host.Engine;
        var reasons = host.NotReadyReasons();
        var response = new GetStatusResponse
        {
            Ready = reasons.Count == 0,
            TokenizerReady = host.TokenizerReady,
            NumRequests = engine?.NumAdmitted ?? 0,
            MaxConcurrentRequests = engine?.Options.MaxConcurrentRequests ?? 0,
            ModelName = engine?.ServedModelName ?? "",
        };
        response.NotReadyReasons.AddRange(reasons);
        var serving = engine?.Snapshot.Workers.ToDictionary(w => w.WorkerId) ?? [];
        foreach (var worker in directory.Workers)
        {
            var status = new WorkerStatus
            {
                WorkerId = worker.WorkerId,
                Address = worker.Address.ToString(),
                InstanceId = worker.InstanceId ?? "",
                State = WorkerState.Connecting,
                NumBlocks = worker.NumBlocks,
            };
            if (serving.TryGetValue(worker.WorkerId, out var lane))
            {
                status.State = WorkerState.Ready;
                status.InstanceId = lane.InstanceId;
                status.NumRunning = lane.NumRunning;
                status.NumWaiting = lane.NumWaiting;
                status.KvCacheUsage = lane.KvCacheUsage;
                status.NumBlocks = lane.NumBlocks;
            }

            response.Workers.Add(status);
        }

        return Task.FromResult(response);
    }

    public override Task<AbortResponse> Abort(AbortRequest request, ServerCallContext context)
    {
        var response = new AbortResponse();
        if (host.Engine is { } engine)
        {
            response.AbortedIds.AddRange(request.RequestIds.Where(engine.Abort));
        }

        return Task.FromResult(response);
    }

    private InferenceEngine RequireEngine() =>
        host.Engine ?? throw new RpcException(new Status(StatusCode.Unavailable, "no worker has joined yet"));
}

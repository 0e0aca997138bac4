using System.Runtime.CompilerServices;
using Grpc.Core;
using Inference.Contracts.Mapping;
using Proto = Inference.Contracts.Scheduler.V1;

namespace Gateway.Backends;

/// <summary>The edge to the scheduler: domain requests out, domain outputs back, through the boundary's one mapping.</summary>
public sealed class SchedulerGenerationService(Proto.Generation.GenerationClient client) : IGenerationService
{
    public async IAsyncEnumerable<GenerationOutput> GenerateAsync(
        GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Disposing the call (early exit, client disconnect) cancels it, which aborts the request in the scheduler.
        using var call = client.Generate(GenerationMessages.ToProto(request), cancellationToken: cancellationToken);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            yield return GenerationMessages.ToDomain(response);
        }
    }

    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken)
    {
        // Cancelling the call (client gone, deadline, a sibling input failed) aborts the request in the scheduler.
        var response = await client.EmbedAsync(EmbeddingMessages.ToProto(request), cancellationToken: cancellationToken);
        return EmbeddingMessages.ToDomain(response);
    }

    public async Task<ModelInfo> GetModelInfoAsync(DateTime? deadline, CancellationToken cancellationToken)
    {
        var info = await client.GetModelInfoAsync(
            new Proto.GetModelInfoRequest(), deadline: deadline, cancellationToken: cancellationToken);
        return new ModelInfo(info.ModelName, info.MaxModelLen, info.VocabSize, info.NumWorkers)
        {
            LoraAdapters = [.. info.LoraAdapters.Select(CommonMessages.ToDomain)],
            Classifier = info.Classifier is { } classifier ? CommonMessages.ToDomain(classifier) : null,
        };
    }

    public async Task<SchedulerStatus> GetStatusAsync(DateTime? deadline, CancellationToken cancellationToken)
    {
        var status = await client.GetStatusAsync(
            new Proto.GetStatusRequest(), deadline: deadline, cancellationToken: cancellationToken);
        return new SchedulerStatus(
            status.Ready,
            status.NotReadyReasons.ToArray(),
            status.Workers.Count(w => w.State == Proto.WorkerState.Ready));
    }
}

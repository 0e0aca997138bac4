using Gateway.Api.Sampling;
using Gateway.Backends;
using Gateway.Observability;
using Grpc.Core;

namespace Gateway.Api.Generation;

/// <summary>
/// What every generating endpoint does first: resolve the model, start the scheduler call with a fresh id, and
/// wait for its first update (so a refused request still gets an error status), timing it all for metrics.
/// </summary>
public sealed class StartedGeneration : IAsyncDisposable
{
    private StartedGeneration(string id, long created, string model, int n, GenerationStream stream, GatewayMetrics.RequestTiming timing)
    {
        N = n;
        Id = id;
        Created = created;
        Model = model;
        Stream = stream;
        Timing = timing;
    }

    /// <summary>The response id, for example "cmpl-…".</summary>
    public string Id { get; }

    /// <summary>Unix seconds, shared by every object of the response.</summary>
    public long Created { get; }

    /// <summary>The model name the answer carries: the served model's, or the LoRA adapter's the request named.</summary>
    public string Model { get; }

    /// <summary>How many choices the answer has.</summary>
    public int N { get; }

    public GenerationStream Stream { get; }

    public GatewayMetrics.RequestTiming Timing { get; }

    /// <param name="idPrefix">"cmpl" or "chatcmpl", as OpenAI names them.</param>
    /// <param name="id">The request's id when the caller named it already (a background response), else a fresh one with idPrefix.</param>
    public static async Task<StartedGeneration> StartAsync(
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        string idPrefix,
        string? requestedModel,
        Prompt prompt,
        GenerationParams sampling,
        int priority,
        CancellationToken cancellationToken,
        string? id = null)
    {
        var model = await servedModel.ResolveAsync(requestedModel, cancellationToken);
        id ??= RequestIds.New(idPrefix);
        sampling = sampling with { LoraName = model.LoraName };
        var updates = generation.GenerateAsync(new GenerationRequest(id, prompt, sampling, priority), cancellationToken);
        // Labelled with the served model's name, as vLLM labels every request's metrics, adapter or not.
        var timing = metrics.Start(model.Info.Name);
        GenerationStream stream;
        try
        {
            stream = await GenerationStream.OpenAsync(updates, cancellationToken);
        }
        catch (RpcException error) when (ServedModel.RefusesUnloadedAdapter(error, model))
        {
            throw servedModel.ForgetUnloadedAdapter(model);
        }

        timing.FirstToken();
        return new StartedGeneration(id, RequestIds.UnixNow(), model.Name, sampling.N, stream, timing);
    }

    /// <summary>Reads every update to the end (a whole, non-streamed answer) and records the request's metrics.</summary>
    public async Task<(IReadOnlyList<GenerationAccumulator> Choices, GenerationUsage Usage)> ReadToEndAsync()
    {
        var answer = new GenerationChoices(N);
        await foreach (var update in Stream.ReadAllAsync())
        {
            answer.Add(update);
        }

        return (answer.Choices, Finished(answer));
    }

    /// <summary>Every choice of a streamed or whole answer finished: records the request's metrics.</summary>
    public GenerationUsage Finished(GenerationChoices answer)
    {
        var (finish, usage) = answer.RequireFinished();
        Timing.Finished(finish, usage);
        return usage;
    }

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}

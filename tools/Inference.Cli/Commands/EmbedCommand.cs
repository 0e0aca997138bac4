using Inference.Cli.CommandLine;

namespace Inference.Cli.Commands;

/// <summary>
/// `embed`: offline embeddings, like vLLM's <c>LLM(model, runner="pooling").embed(prompts)</c>. All prompts are submitted
/// at once and batched by the engine; results print in prompt order, one JSON line each:
/// <c>{"index":0,"prompt_tokens":5,"embedding":[...]}</c>.
/// </summary>
public static class EmbedCommand
{
    public static async Task<int> RunAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var model = args.RequiredString("model");
        var prompts = PoolingPromptArguments.Read(args);
        var dimensions = args.Int("dimensions", 1);
        bool? normalize = args.Flag("no-normalize") ? false : null;
        var engineArguments = OfflineEngineArguments.Read(args);
        var poolerConfig = PoolerConfigArgument.Read(args)?.Override;
        args.EnsureAllRead();

        if (await ModelArgument.ResolveAsync(model, cancellationToken) is not { } modelDirectory)
            return 1;
        var engineOptions = engineArguments.ToOptions(modelDirectory) with { PoolerConfig = poolerConfig };
        var lora = engineOptions.Lora;

        using var loggerFactory = OfflineEngine.WarningsOnlyLogging();
        await using var offline = await OfflineEngine.LoadAsync(modelDirectory, engineOptions, loggerFactory, cancellationToken);

        // Submit everything before reading anything, so the engine batches all prompts together.
        var results = await Task.WhenAll(prompts.Select((prompt, i) =>
            offline.Engine.EmbedAsync(new EmbeddingRequest($"embd-{i}", prompt, dimensions, normalize, LoraName: lora?.Name), cancellationToken)));

        PooledResultLines.Write(results, (json, result) => PooledResultLines.WriteArray(json, "embedding", result.Embedding));
        return 0;
    }
}

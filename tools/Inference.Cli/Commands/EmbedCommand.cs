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
        var pooling = PoolingCommandArguments.Read(args);
        var dimensions = args.Int("dimensions", 1);
        bool? normalize = args.Flag("no-normalize") ? false : null;
        args.EnsureAllRead();

        using var loggerFactory = OfflineEngine.WarningsOnlyLogging();
        await using var offline = await pooling.LoadAsync(loggerFactory, cancellationToken);
        if (offline is null)
            return 1;

        var results = await pooling.PoolAsync(offline,
            (i, prompt) => new EmbeddingRequest($"embd-{i}", prompt, dimensions, normalize, LoraName: offline.LoraName), cancellationToken);
        PooledResultLines.Write(results, (json, result) => PooledResultLines.WriteArray(json, "embedding", result.Embedding));
        return 0;
    }
}

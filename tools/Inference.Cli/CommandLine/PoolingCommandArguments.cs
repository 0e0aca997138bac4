using Inference.Cli.Commands;
using Microsoft.Extensions.Logging;
using Worker.Runtime.Embeddings;

namespace Inference.Cli.CommandLine;

/// <summary>
/// What the offline pooling commands (embed, classify) read and do alike: --model, the prompts (each --prompt TEXT as
/// plain text, special-token text not parsed and the tokenizer's special tokens added, then each --prompt-ids 1,2,3 as
/// it is; at least one), the offline engine's options and --pooler-config; then the engine loaded, and every prompt
/// pooled at once so the engine batches them together.
/// </summary>
public sealed record PoolingCommandArguments(string Model, IReadOnlyList<Prompt> Prompts, OfflineEngineArguments Engine, PoolerOverride? PoolerConfig)
{
    /// <summary>Reads the shared options; the command reads its own, then <see cref="CommandArguments.EnsureAllRead"/>.</summary>
    /// <exception cref="UsageException">No prompt is given, an id list is not integers, or an option is invalid.</exception>
    public static PoolingCommandArguments Read(CommandArguments args)
    {
        var model = args.RequiredString("model");
        var prompts = args.Strings("prompt").Select(text => (Prompt)new TextPrompt(text))
            .Concat(args.Strings("prompt-ids").Select(list => new TokenIdsPrompt(GenerateCommand.ParseIds(list))))
            .ToList();
        if (prompts.Count == 0)
            throw new UsageException("give at least one --prompt TEXT or --prompt-ids 1,2,3");
        return new PoolingCommandArguments(model, prompts, OfflineEngineArguments.Read(args), PoolerConfigArgument.Read(args)?.Override);
    }

    /// <summary>The offline engine over the model; null when the model cannot be found (the reason is on stderr).</summary>
    public async Task<OfflineEngine?> LoadAsync(ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (await ModelArgument.ResolveAsync(Model, cancellationToken) is not { } modelDirectory)
            return null;
        var options = Engine.ToOptions(modelDirectory) with { PoolerConfig = PoolerConfig };
        return await OfflineEngine.LoadAsync(modelDirectory, options, loggerFactory, cancellationToken);
    }

    /// <summary>Every prompt pooled, submitted before any is read; results in prompt order.</summary>
    /// <param name="requestOf">Prompt i's engine request.</param>
    public Task<EmbeddingResult[]> PoolAsync(OfflineEngine offline, Func<int, Prompt, EmbeddingRequest> requestOf, CancellationToken cancellationToken) =>
        Task.WhenAll(Prompts.Select((prompt, i) => offline.Engine.EmbedAsync(requestOf(i, prompt), cancellationToken)));
}

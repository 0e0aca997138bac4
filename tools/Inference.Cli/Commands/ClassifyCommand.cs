using Inference.Abstractions.Execution;
using Inference.Cli.CommandLine;

namespace Inference.Cli.Commands;

/// <summary>
/// `classify`: offline classification with a sequence-classification model, like vLLM's
/// <c>LLM(model, runner="pooling").classify(prompts)</c>. All prompts are submitted at once and batched by the engine;
/// results print in prompt order, one JSON line each, as /classify answers an input:
/// <c>{"index":0,"prompt_tokens":5,"label":"positive","probs":[0.3,0.7]}</c>.
/// </summary>
public static class ClassifyCommand
{
    public static async Task<int> RunAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var model = args.RequiredString("model");
        var prompts = PoolingPromptArguments.Read(args);
        bool activation = !args.Flag("no-activation");
        var engineArguments = OfflineEngineArguments.Read(args);
        var poolerConfig = PoolerConfigArgument.Read(args)?.Override;
        args.EnsureAllRead();

        if (await ModelArgument.ResolveAsync(model, cancellationToken) is not { } modelDirectory)
            return 1;
        var engineOptions = engineArguments.ToOptions(modelDirectory) with { PoolerConfig = poolerConfig };

        using var loggerFactory = OfflineEngine.WarningsOnlyLogging();
        await using var offline = await OfflineEngine.LoadAsync(modelDirectory, engineOptions, loggerFactory, cancellationToken);
        if (offline.Engine.ExecutorInfo.Classifier is not { } classifier)
        {
            Console.Error.WriteLine($"error: {modelDirectory} is not a sequence classifier (its architecture is {offline.Engine.ExecutorInfo.Architecture}); " +
                "classify runs *ForSequenceClassification models, or a causal LM converted with --hf-overrides");
            return 1;
        }

        // Submit everything before reading anything, so the engine batches all prompts together.
        var results = await Task.WhenAll(prompts.Select((prompt, i) => offline.Engine.EmbedAsync(
            new EmbeddingRequest($"classify-{i}", prompt, LoraName: engineOptions.Lora?.Name, Task: PoolingTask.Classify), cancellationToken)));

        PooledResultLines.Write(results, (json, result) =>
        {
            var probs = activation ? ClassifierInfo.Apply(classifier.ClassifyActivation, result.Embedding) : result.Embedding;
            json.WriteString("label", classifier.Labels[Array.IndexOf(probs, probs.Max())]);
            PooledResultLines.WriteArray(json, "probs", probs);
        });
        return 0;
    }
}

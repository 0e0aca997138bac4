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
        var pooling = PoolingCommandArguments.Read(args);
        bool activation = !args.Flag("no-activation");
        args.EnsureAllRead();

        using var loggerFactory = OfflineEngine.WarningsOnlyLogging();
        await using var offline = await pooling.LoadAsync(loggerFactory, cancellationToken);
        if (offline is null)
            return 1;
        var info = offline.Engine.ExecutorInfo;
        if (info.Classifier is not { } classifier)
        {
            Console.Error.WriteLine($"error: {pooling.Model} is not a sequence classifier (its architecture is {info.Architecture}); " +
                "classify runs *ForSequenceClassification models, or a causal LM converted with --hf-overrides");
            return 1;
        }

        var results = await pooling.PoolAsync(offline,
            (i, prompt) => new EmbeddingRequest($"classify-{i}", prompt, LoraName: offline.LoraName, Task: PoolingTask.Classify), cancellationToken);
        PooledResultLines.Write(results, (json, result) =>
        {
            var probs = activation ? ClassifierInfo.Apply(classifier.ClassifyActivation, result.Embedding) : result.Embedding;
            json.WriteString("label", classifier.Labels[Array.IndexOf(probs, probs.Max())]);
            PooledResultLines.WriteArray(json, "probs", probs);
        });
        return 0;
    }
}

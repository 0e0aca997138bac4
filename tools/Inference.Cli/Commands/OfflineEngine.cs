using Inference.Abstractions.Execution;
using Inference.Abstractions.Text;
using Microsoft.Extensions.Logging;
using Scheduler.Core;
using Tokenizer.Core;
using Worker.Runtime;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Lora;
using Worker.Runtime.Ops.Quantization;

namespace Inference.Cli.Commands;

/// <param name="KvCacheMiB">KV memory budget; null keeps the runner's default.</param>
/// <param name="Threads">Compute threads; null uses every core.</param>
/// <param name="Quantization">How the matrix weights are held.</param>
/// <param name="ChatTemplate">A chat template in place of the model's (the template's text); null: the model's.</param>
/// <param name="Lora">A LoRA adapter applied to every request (its name and PEFT folder); null: the base model.</param>
/// <param name="Speculative">N-gram speculative decoding (vLLM's speculative_config); null: off.</param>
/// <param name="PoolerConfig">How the model embeds, over what its folder says (vLLM's pooler_config); null: the folder's way.</param>
/// <param name="HfOverrides">vLLM's hf_overrides: config.json fields read in place of the folder's; null: none.</param>
/// <param name="KvCacheDType">The KV cache's element type (vLLM's --kv-cache-dtype).</param>
public sealed record OfflineEngineOptions(int? KvCacheMiB, int? Threads, WeightQuantization Quantization = WeightQuantization.None, string? ChatTemplate = null,
    LoraModule? Lora = null, Scheduler.Core.Speculation.SpeculativeConfig? Speculative = null, PoolerOverride? PoolerConfig = null,
    System.Text.Json.Nodes.JsonObject? HfOverrides = null, Worker.Runtime.Kv.KvCacheDType KvCacheDType = Worker.Runtime.Kv.KvCacheDType.Float32);

/// <summary>
/// The whole engine in one process without gRPC: the scheduler core over the model runner, with the tokenizer
/// library doing the text work. The same classes the services host, wired directly.
/// </summary>
public sealed class OfflineEngine : IAsyncDisposable
{
    private readonly ModelRunner _runner;
    private readonly string? _loraName;

    private OfflineEngine(ModelRunner runner, InferenceEngine engine, string? loraName)
    {
        _runner = runner;
        _loraName = loraName;
        Engine = engine;
    }

    public InferenceEngine Engine { get; }

    /// <summary>The LoRA adapter every request of the run uses (its --lora), or null for the base model.</summary>
    public string? LoraName => _loraName;

    /// <summary>One line per warning or error on stderr, nothing below: the offline commands' stdout is their JSON.</summary>
    public static ILoggerFactory WarningsOnlyLogging() =>
        LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)    // the console logger's default is stdout
            .SetMinimumLevel(LogLevel.Warning));

    public static Task<OfflineEngine> LoadAsync(string modelDirectory, OfflineEngineOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tokenizer = new LocalTextTokenizer(QwenTokenizer.Load(modelDirectory, new TokenizerOptions { ChatTemplate = options.ChatTemplate }));
        var runnerOptions = new ModelRunnerOptions
        {
            Quantization = options.Quantization, PoolerConfig = options.PoolerConfig, HfOverrides = options.HfOverrides, KvCacheDType = options.KvCacheDType,
        };
        if (options.KvCacheMiB is { } mib) runnerOptions = runnerOptions with { KvCacheBytes = (long)mib << 20 };
        if (options.Threads is { } threads) runnerOptions = runnerOptions with { Threads = threads };
        if (options.Lora is { } lora) runnerOptions = runnerOptions with { LoraModules = [lora] };

        using var progress = new CommandLine.ConsoleProgress("loading model");
        var runner = ModelRunner.Load(modelDirectory, runnerOptions, loggerFactory, progress);
        var engine = new InferenceEngine(runner, tokenizer, new EngineOptions { Speculative = options.Speculative, EnablePromptEmbeds = true }, loggerFactory);
        return Task.FromResult(new OfflineEngine(runner, engine, options.Lora?.Name));
    }

    /// <summary>The top raw logits at the prompt's last position, with the run's adapter if any (a throwaway prefill; call when the engine is idle).</summary>
    public IReadOnlyList<(int Id, float Logit)> TopPromptLogits(IReadOnlyList<int> promptIds, int count)
    {
        var logits = _runner.ComputeLogits(promptIds, _loraName);
        return logits.Select((logit, id) => (id, logit))
            .OrderByDescending(p => p.logit).ThenBy(p => p.id)
            .Take(count).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        _runner.Dispose();
    }
}

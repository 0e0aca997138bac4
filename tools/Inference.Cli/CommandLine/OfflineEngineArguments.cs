using System.Text.Json.Nodes;
using Inference.Cli.Commands;
using Worker.Runtime.Kv;
using Worker.Runtime.Ops.Quantization;

namespace Inference.Cli.CommandLine;

/// <summary>
/// The options every offline engine command (generate, embed, classify) takes: --kv-cache-mib, --kv-cache-dtype, --threads,
/// --quantization, --lora and --hf-overrides. Read before <see cref="CommandArguments.EnsureAllRead"/>; the adapter is resolved once the
/// model folder is known.
/// </summary>
public sealed record OfflineEngineArguments(int? KvCacheMiB, int? Threads, WeightQuantization Quantization, string? LoraPath, JsonObject? HfOverrides,
    KvCacheDType KvCacheDType)
{
    public static OfflineEngineArguments Read(CommandArguments args) =>
        new(args.Int("kv-cache-mib", 1), args.Int("threads", 1), WorkerChoiceArguments.Quantization(args), LoraArgument.ReadPath(args),
            HfOverridesArgument.Read(args)?.Overrides, WorkerChoiceArguments.KvCacheDType(args));

    /// <param name="chatTemplate">A chat template in place of the model's (its text); null: the model's.</param>
    /// <exception cref="UsageException">--lora does not name a usable adapter folder.</exception>
    public OfflineEngineOptions ToOptions(string modelDirectory, string? chatTemplate = null) =>
        new(KvCacheMiB, Threads, Quantization, chatTemplate, LoraArgument.Resolve(LoraPath, modelDirectory), HfOverrides: HfOverrides,
            KvCacheDType: KvCacheDType);
}

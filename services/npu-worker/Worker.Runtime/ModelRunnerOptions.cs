using System.Text.Json.Nodes;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Kv;
using Worker.Runtime.Lora;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Runtime;

/// <summary>How a <see cref="ModelRunner"/> sizes its KV memory and threads.</summary>
public sealed record ModelRunnerOptions
{
    /// <summary>Tokens per KV block. Default 16.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>KV blocks to allocate; when null, as many as fit in <see cref="KvCacheBytes"/>. Default null.</summary>
    public int? NumBlocks { get; init; }

    /// <summary>KV memory budget in bytes, used when NumBlocks is null. Default 512 MiB.</summary>
    public long KvCacheBytes { get; init; } = 512L << 20;

    /// <summary>
    /// The element type of the KV cache (vLLM's --kv-cache-dtype): fp32 ("auto"), or bfloat16, which holds twice the
    /// positions in <see cref="KvCacheBytes"/> and halves what decode attention reads. Default fp32.
    /// </summary>
    public KvCacheDType KvCacheDType { get; init; } = KvCacheDType.Float32;

    /// <summary>Longest sequence accepted; null means config.json max_position_embeddings (capped by KV capacity). Default null.</summary>
    public int? MaxModelLength { get; init; }

    /// <summary>Compute threads. Default: all processors.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Device label; this build runs "cpu" or "cpu:N". Default "cpu:0".</summary>
    public string Device { get; init; } = "cpu:0";

    /// <summary>Name reported in Info; null means the model folder's name. Default null.</summary>
    public string? ServedModelName { get; init; }

    /// <summary>How matrix weights are held: as the checkpoint stores them, or quantized at load. Default none.</summary>
    public WeightQuantization Quantization { get; init; } = WeightQuantization.None;

    /// <summary>
    /// Most prompt positions whose logits one forward pass computes for prompt logprobs (each row is vocabulary-sized:
    /// 128 rows of Qwen2's 151,936 logits are 78 MB). A step that needs more runs the rest of those prompts in further
    /// passes. Default 128.
    /// </summary>
    public int MaxPromptLogprobRows { get; init; } = 128;

    /// <summary>vLLM's --pooler-config: how the model embeds, over what its folder says. Default null: the folder's way.</summary>
    public PoolerOverride? PoolerConfig { get; init; }

    /// <summary>vLLM's --hf-overrides: fields that replace config.json's before it is read (<see cref="Models.HfOverrides"/>). Default null: none.</summary>
    public JsonObject? HfOverrides { get; init; }

    /// <summary>LoRA adapters loaded after the model, served under their own names (vLLM's --lora-modules). Default none.</summary>
    public IReadOnlyList<LoraModule> LoraModules { get; init; } = [];

    /// <summary>When set, every op of the forward passes is timed into it while it is enabled (profiling: `bench-model --profile`). Default null: no timing.</summary>
    public Ops.OpTimings? OpTimings { get; init; }

    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        Require(BlockSize is >= 1 and <= 1024, $"BlockSize must be in [1, 1024], got {BlockSize}");
        Require(NumBlocks is null or >= 1, $"NumBlocks must be >= 1 when set, got {NumBlocks}");
        Require(NumBlocks is not null || KvCacheBytes > 0, $"KvCacheBytes must be > 0, got {KvCacheBytes}");
        Require(MaxModelLength is null or >= 1, $"MaxModelLength must be >= 1 when set, got {MaxModelLength}");
        Require(Threads >= 1, $"Threads must be >= 1, got {Threads}");
        Require(MaxPromptLogprobRows >= 1, $"MaxPromptLogprobRows must be >= 1, got {MaxPromptLogprobRows}");
        Require(Device == "cpu" || Device.StartsWith("cpu:", StringComparison.Ordinal),
            $"Device '{Device}' is not supported; this build has the CPU backend (\"cpu\" or \"cpu:N\")");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var module in LoraModules)
        {
            Require(!string.IsNullOrWhiteSpace(module.Name) && !string.IsNullOrWhiteSpace(module.Path),
                $"LoraModules entry '{module.Name}={module.Path}' needs a name and a path");
            Require(names.Add(module.Name), $"LoraModules names '{module.Name}' more than once");
            Require(module.Name != ServedModelName, $"LoraModules name '{module.Name}' is the served model name; an adapter needs a name of its own");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}

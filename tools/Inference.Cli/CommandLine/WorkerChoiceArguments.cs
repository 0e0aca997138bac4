using Worker.Runtime.Kv;
using Worker.Runtime.Ops.Quantization;

namespace Inference.Cli.CommandLine;

/// <summary>
/// The worker's named choices as serve, the offline engine commands and bench-model take them: `--quantization none|q8_0`
/// and vLLM's `--kv-cache-dtype auto|bfloat16`, each refused with its choices when the value is not one of them.
/// </summary>
public static class WorkerChoiceArguments
{
    /// <exception cref="UsageException">The value is not a known quantization.</exception>
    public static WeightQuantization Quantization(CommandArguments args) =>
        Read<WeightQuantization>(args, "quantization", WeightQuantizationNames.All, WeightQuantizationNames.TryParse, null);

    /// <exception cref="UsageException">The value is not a supported KV cache dtype.</exception>
    public static KvCacheDType KvCacheDType(CommandArguments args) =>
        Read<KvCacheDType>(args, "kv-cache-dtype", KvCacheDTypeNames.All, KvCacheDTypeNames.TryParse, " (auto: float32 on the CPU worker)");

    private delegate bool Parser<T>(string? text, out T value);

    private static T Read<T>(CommandArguments args, string option, IReadOnlyList<string> choices, Parser<T> parse, string? note)
    {
        var text = args.String(option);
        return parse(text, out var value)
            ? value
            : throw new UsageException($"--{option} must be one of {string.Join(", ", choices)}{note}, got '{text}'");
    }
}

using Worker.Runtime.Kv;

namespace Inference.Cli.CommandLine;

/// <summary>vLLM's `--kv-cache-dtype auto|bfloat16`, shared by serve, the offline engine commands and bench-model.</summary>
public static class KvCacheDTypeArgument
{
    /// <exception cref="UsageException">The value is not a supported KV cache dtype.</exception>
    public static KvCacheDType Read(CommandArguments args)
    {
        var text = args.String("kv-cache-dtype");
        return KvCacheDTypeNames.TryParse(text, out var dtype)
            ? dtype
            : throw new UsageException($"--kv-cache-dtype must be one of {string.Join(", ", KvCacheDTypeNames.All)} (auto: float32 on the CPU worker), got '{text}'");
    }
}

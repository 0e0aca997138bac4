namespace Worker.Runtime.Kv;

/// <summary>
/// The names options and command lines use for <see cref="KvCacheDType"/>, vLLM's: "auto" and "bfloat16". vLLM's
/// "auto" is the model's dtype; here it is fp32, the precision the CPU worker computes in (outputs match the BF16 golden
/// values bit for bit only with it). vLLM's fp8 kinds are not supported.
/// </summary>
public static class KvCacheDTypeNames
{
    public static IReadOnlyList<string> All { get; } = ["auto", "bfloat16"];

    public static string Name(KvCacheDType dtype) => dtype == KvCacheDType.BFloat16 ? "bfloat16" : "auto";

    /// <summary>Parses "auto", "bfloat16" (any case); null or empty is auto.</summary>
    public static bool TryParse(string? text, out KvCacheDType dtype)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                dtype = KvCacheDType.Float32;
                return true;
            case "bfloat16":
                dtype = KvCacheDType.BFloat16;
                return true;
            default:
                dtype = KvCacheDType.Float32;
                return false;
        }
    }
}

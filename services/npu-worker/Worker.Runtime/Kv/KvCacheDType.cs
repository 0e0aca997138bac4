namespace Worker.Runtime.Kv;

/// <summary>The element type the KV cache stores keys and values in (vLLM's --kv-cache-dtype).</summary>
public enum KvCacheDType
{
    /// <summary>fp32, the precision the CPU worker computes attention in: what a step wrote is read back exactly.</summary>
    Float32,

    /// <summary>
    /// bfloat16: each key and value rounded to nearest-even on its way into the cache and widened back to fp32 as
    /// attention reads it. Half the bytes of fp32, so twice the positions in a budget and half the reading for decode
    /// attention, whose time at long contexts is spent waiting on them; the price is 8 bits of mantissa per element.
    /// </summary>
    BFloat16,
}

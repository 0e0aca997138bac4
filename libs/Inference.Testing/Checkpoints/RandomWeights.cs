using System.Text;
using Worker.Runtime.Checkpoints;

namespace Inference.Testing.Checkpoints;

/// <summary>The weight recipe of fixtures/RANDOM_MODEL.md: FNV-1a name hash, SplitMix64, uniform, BF16 (or F16).</summary>
public static class RandomWeights
{
    private const ulong FnvOffset = 0xcbf29ce484222325UL;
    private const ulong FnvPrime = 0x100000001b3UL;
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private static readonly double Sqrt3 = Math.Sqrt(3.0);

    public static ulong Fnv1a64(string text)
    {
        ulong hash = FnvOffset;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= FnvPrime;
        }

        return hash;
    }

    /// <summary>State s of a tensor: its name hash XOR the model seed.</summary>
    public static ulong TensorState(string tensorName, ulong modelSeed) => Fnv1a64(tensorName) ^ modelSeed;

    /// <summary>Norm weights (including Qwen3's per-head q_norm / k_norm) are centred on 1 (an identity scale), everything else on 0.</summary>
    public static double CenterOf(string tensorName) =>
        tensorName.EndsWith("input_layernorm.weight", StringComparison.Ordinal)
        || tensorName.EndsWith("post_attention_layernorm.weight", StringComparison.Ordinal)
        || tensorName.EndsWith("self_attn.q_norm.weight", StringComparison.Ordinal)
        || tensorName.EndsWith("self_attn.k_norm.weight", StringComparison.Ordinal)
        || tensorName == "model.norm.weight"
            ? 1.0
            : 0.0;

    /// <summary>SplitMix64 output number k+1 from state s (so element k is independent of the others).</summary>
    public static ulong SplitMix64(ulong state, ulong k)
    {
        ulong z = state + (k + 1) * Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Fills 16-bit elements [firstElement, firstElement + destination.Length) of one tensor.</summary>
    /// <param name="dtype">BF16, or F16: the same float32 value rounded to half precision (nearest even).</param>
    public static void Fill(Span<ushort> destination, ulong state, long firstElement, double center, double std, TensorDType dtype = TensorDType.BF16)
    {
        bool half = dtype == TensorDType.F16;
        double scale = std * Sqrt3;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong z = SplitMix64(state, (ulong)(firstElement + i));
            double u = (z >> 11) * (1.0 / (1UL << 53));
            double w = center + (2 * u - 1) * scale;
            destination[i] = half ? BitConverter.HalfToUInt16Bits((Half)(float)w) : BFloat16.FromSingle((float)w);
        }
    }
}

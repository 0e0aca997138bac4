using System.Runtime.InteropServices;
using Inference.Gguf;
using Worker.Runtime.Models.Decoder;
using static Worker.Runtime.Models.Gguf.GgufMetadataValues;

namespace Worker.Runtime.Models.Gguf;

/// <summary>
/// RoPE scaling in a GGUF file: &lt;arch&gt;.rope.scaling.type "yarn" (factor, original_context_length; transformers'
/// default betas), or llama3's per-pair factors in the F32 tensor rope_freqs.weight; absent or "none" is none.
/// "linear" and any other type are refused by name.
/// </summary>
internal static class GgufRopeScalingReader
{
    /// <exception cref="InvalidDataException">The type is not supported, or a key or rope_freqs.weight is invalid.</exception>
    public static RopeScaling? Read(GgufFile file, string arch, double theta, int headDim, int contextLength)
    {
        string? type = OptionalString(file, GgufKeys.RopeScalingType(arch));
        var factors = file.Tensors.FirstOrDefault(t => t.Name == GgufTensorNames.RopeFrequencies);
        if (factors is not null)
        {
            GgufConfigReader.Check(file, type is null or "none",
                $"{GgufTensorNames.RopeFrequencies} together with {GgufKeys.RopeScalingType(arch)} '{type}' is not supported");
            GgufConfigReader.Check(file, factors.Type == GgmlType.F32 && factors.ElementCount == headDim / 2,
                $"{GgufTensorNames.RopeFrequencies} must be F32 with head_dim / 2 = {headDim / 2} values, got {factors.Type} with {factors.ElementCount}");
            return new FrequencyFactorRopeScaling(MemoryMarshal.Cast<byte, float>(file.ReadTensorBytes(factors)).ToArray());
        }

        switch (type)
        {
            case null or "none":
                return null;
            case "yarn":
                double factor = OptionalDouble(file, GgufKeys.RopeScalingFactor(arch))
                    ?? throw new InvalidDataException($"{file.Path}: rope scaling yarn is missing '{GgufKeys.RopeScalingFactor(arch)}'.");
                GgufConfigReader.Check(file, factor >= 1, $"{GgufKeys.RopeScalingFactor(arch)} must be >= 1, got {factor}");
                int original = OptionalInt(file, GgufKeys.RopeScalingOriginalContextLength(arch)) ?? contextLength;
                GgufConfigReader.Check(file, original > 0, $"{GgufKeys.RopeScalingOriginalContextLength(arch)} must be > 0, got {original}");
                return new YarnRopeScaling(factor, original, BetaFast: 32, BetaSlow: 1, ExplicitAttentionFactor: null, theta, headDim);
            default:
                throw new InvalidDataException(
                    $"{file.Path}: {GgufKeys.RopeScalingType(arch)} '{type}' is not supported; supported: none, yarn, and llama3 as {GgufTensorNames.RopeFrequencies}.");
        }
    }
}

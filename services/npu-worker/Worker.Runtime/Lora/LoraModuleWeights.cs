using System.Numerics.Tensors;

namespace Worker.Runtime.Lora;

/// <summary>
/// One module's low-rank delta, y += scale * B (A x), held in fp32 whatever the file's dtype: A with the scale folded
/// in, and B transposed, so both halves of the product read contiguous rows (r dots over x, then r scaled adds into y).
/// </summary>
/// <param name="ScaledA">scale * lora_A.weight [r, in].</param>
/// <param name="BTransposed">lora_B.weight transposed [r, out].</param>
public sealed record LoraModuleWeights(float[] ScaledA, float[] BTransposed, int Rank, int InFeatures, int OutFeatures)
{
    /// <summary>Ranks up to this take their r intermediate values from the stack; larger ones (rare) allocate them.</summary>
    private const int MaxStackRank = 256;

    /// <summary>y += scale * B (A x) for one row: x is [in], y is [out].</summary>
    public void AddDelta(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> u = Rank <= MaxStackRank ? stackalloc float[Rank] : new float[Rank];
        for (int j = 0; j < Rank; j++)
        {
            u[j] = TensorPrimitives.Dot(ScaledA.AsSpan(j * InFeatures, InFeatures), x);
        }

        for (int j = 0; j < Rank; j++)
        {
            TensorPrimitives.MultiplyAdd(BTransposed.AsSpan(j * OutFeatures, OutFeatures), u[j], y, y);
        }
    }
}

using System.Numerics.Tensors;

namespace Worker.Runtime.Ops;

/// <summary>RMSNorm row by row, as Qwen2RMSNorm: fp32 variance, then scale by the weight.</summary>
public sealed class CpuRmsNormKernel : IRmsNormKernel
{
    public void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y)
    {
        int width = weight.Length;
        for (int start = 0; start + width <= x.Length; start += width)
        {
            NormalizeRow(x.Slice(start, width), weight, eps, y.Slice(start, width));
        }
    }

    /// <summary>One row (of the weight's width): output may be the row itself.</summary>
    public static void NormalizeRow(ReadOnlySpan<float> row, ReadOnlySpan<float> weight, float eps, Span<float> output)
    {
        float meanSquare = TensorPrimitives.SumOfSquares(row) / row.Length;
        float scale = 1f / MathF.Sqrt(meanSquare + eps);
        TensorPrimitives.Multiply(row, scale, output);
        TensorPrimitives.Multiply(output, weight, output);
    }
}

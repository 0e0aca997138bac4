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
            var row = x.Slice(start, width);
            var output = y.Slice(start, width);
            float meanSquare = TensorPrimitives.SumOfSquares(row) / width;
            float scale = 1f / MathF.Sqrt(meanSquare + eps);
            TensorPrimitives.Multiply(row, scale, output);
            TensorPrimitives.Multiply(output, weight, output);
        }
    }
}

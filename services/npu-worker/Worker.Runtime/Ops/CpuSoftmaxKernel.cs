using System.Numerics.Tensors;

namespace Worker.Runtime.Ops;

/// <summary>Numerically stable softmax: exp(x - max) / sum.</summary>
public sealed class CpuSoftmaxKernel : ISoftmaxKernel
{
    public void Softmax(Span<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        float max = TensorPrimitives.Max(values);
        TensorPrimitives.Subtract(values, max, values);
        TensorPrimitives.Exp(values, values);
        float sum = TensorPrimitives.Sum(values);
        TensorPrimitives.Divide(values, sum, values);
    }
}

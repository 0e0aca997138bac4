using System.Numerics.Tensors;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Embeddings;

/// <summary>
/// An embedding request's answer from its last token's final-normed hidden state: the first Dimensions values (a
/// matryoshka prefix), then L2-normalized if asked, as torch.nn.functional.normalize does: x / max(‖x‖, 1e-12).
/// </summary>
internal static class EmbeddingVector
{
    /// <summary>torch.nn.functional.normalize's eps: a zero vector stays zero instead of dividing by zero.</summary>
    private const float MinNorm = 1e-12f;

    public static float[] From(ReadOnlySpan<float> hidden, PoolingParams pooling)
    {
        var embedding = hidden[..(pooling.Dimensions ?? hidden.Length)].ToArray();
        if (pooling.Normalize)
        {
            TensorPrimitives.Divide(embedding, Math.Max(TensorPrimitives.Norm<float>(embedding), MinNorm), embedding);
        }

        return embedding;
    }
}

using System.Numerics.Tensors;

namespace Worker.Runtime.Embeddings;

/// <summary>The activation of a sentence-transformers Dense module (its config's activation_function).</summary>
internal enum DenseActivation
{
    /// <summary>torch.nn.modules.linear.Identity.</summary>
    Identity,

    /// <summary>torch.nn.modules.activation.Tanh (sentence-transformers' default).</summary>
    Tanh,
}

/// <summary>
/// A sentence-transformers Dense module after the pooling: activation(W x + b), W of out_features x in_features,
/// kept in fp32 (a few MB at most), as the module computes it.
/// </summary>
internal sealed class DenseLayer
{
    private readonly float[] _weight;
    private readonly float[]? _bias;

    /// <exception cref="ArgumentException">The weight or bias length does not match the features.</exception>
    public DenseLayer(int inFeatures, int outFeatures, float[] weight, float[]? bias, DenseActivation activation)
    {
        if (weight.Length != (long)inFeatures * outFeatures || (bias is not null && bias.Length != outFeatures))
        {
            throw new ArgumentException($"A Dense layer of {inFeatures} -> {outFeatures} needs {inFeatures * outFeatures} weights and {outFeatures} biases.");
        }

        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        _weight = weight;
        _bias = bias;
        Activation = activation;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public DenseActivation Activation { get; }

    public float[] Apply(ReadOnlySpan<float> x)
    {
        var y = new float[OutFeatures];
        for (int o = 0; o < y.Length; o++)
        {
            y[o] = TensorPrimitives.Dot(_weight.AsSpan(o * InFeatures, InFeatures), x) + (_bias?[o] ?? 0f);
        }

        if (Activation == DenseActivation.Tanh)
        {
            TensorPrimitives.Tanh(y, y);
        }

        return y;
    }
}

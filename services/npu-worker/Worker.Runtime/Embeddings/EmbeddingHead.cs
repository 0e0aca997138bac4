using Inference.Abstractions.Execution;

namespace Worker.Runtime.Embeddings;

/// <summary>
/// How the worker's model embeds a prompt: the pooling it reports (<see cref="Pooling"/>), then the folder's
/// sentence-transformers Dense layers in order, then the request's dimensions and normalization.
/// </summary>
internal sealed record EmbeddingHead(PoolingInfo Pooling, IReadOnlyList<DenseLayer> DenseLayers)
{
    /// <summary>A model without a sentence-transformers config (a plain causal LM, a GGUF file): last token, normalized, as vLLM's embed converter.</summary>
    public static EmbeddingHead Default(int hiddenSize) =>
        new(new PoolingInfo(hiddenSize, Normalize: true, Matryoshka: false, MatryoshkaDimensions: []), []);

    /// <summary>The request's embedding from its pooled hidden state.</summary>
    public float[] Embed(float[] pooled, PoolingParams request)
    {
        foreach (var layer in DenseLayers)
        {
            pooled = layer.Apply(pooled);
        }

        return EmbeddingVector.From(pooled, request);
    }

    /// <summary>The load line's words for a classifier: "classifier (last-token) to 2 labels: negative, positive; classify softmax, score sigmoid".</summary>
    public string DescribeClassifier(ClassifierInfo classifier) =>
        $"none; classifier ({ModeName(Pooling.Mode)}) to {classifier.NumLabels} label{(classifier.NumLabels == 1 ? "" : "s")}: {string.Join(", ", classifier.Labels.Take(8))}{(classifier.NumLabels > 8 ? ", ..." : "")}; " +
        $"classify {classifier.ClassifyActivation.ToString().ToLowerInvariant()}, score {classifier.ScoreActivation.ToString().ToLowerInvariant()}";

    /// <summary>The load line's words: "mean, 2 Dense layers, normalized, matryoshka [...]".</summary>
    public string Describe()
    {
        var words = new List<string> { ModeName(Pooling.Mode) };
        if (DenseLayers.Count > 0)
        {
            words.Add(DenseLayers.Count == 1 ? $"Dense to {Pooling.HiddenSize}" : $"{DenseLayers.Count} Dense layers to {Pooling.HiddenSize}");
        }

        words.Add(Pooling.Normalize ? "normalized" : "not normalized");
        if (Pooling.Matryoshka)
        {
            words.Add(Pooling.MatryoshkaDimensions.Count == 0 ? "matryoshka" : $"matryoshka [{string.Join(", ", Pooling.MatryoshkaDimensions)}]");
        }

        return string.Join(", ", words);
    }

    private static string ModeName(PoolingMode mode) => mode switch
    {
        PoolingMode.LastToken => "last-token",
        PoolingMode.Cls => "cls",
        PoolingMode.Mean => "mean",
        PoolingMode.Max => "max",
        PoolingMode.MeanSqrtLength => "mean-sqrt-len",
        _ => "weighted-mean",
    };
}

namespace Inference.Abstractions.Execution;

/// <summary>
/// A sequence-classification model (transformers' *ForSequenceClassification, or a causal LM converted into one): its
/// head maps the prompt's pooled hidden state to one logit per class, which the executor answers as the request's
/// pooled output (<see cref="PoolingInfo.HiddenSize"/> = the number of classes).
/// </summary>
/// <param name="Labels">config.json's id2label in class order (transformers' LABEL_i where it names none).</param>
/// <param name="ClassifyActivation">What classification applies to the logits (config.json's problem_type, as transformers
/// trains the head and vLLM's classify answers).</param>
/// <param name="ScoreActivation">What cross-encoder scoring applies to a pair's logits (the sentence-transformers
/// cross-encoder's activation_fn, else as <paramref name="ClassifyActivation"/> would for one class).</param>
public sealed record ClassifierInfo(IReadOnlyList<string> Labels, ClassifierActivation ClassifyActivation, ClassifierActivation ScoreActivation)
{
    public int NumLabels => Labels.Count;

    /// <summary>The logits through <paramref name="activation"/>.</summary>
    public static float[] Apply(ClassifierActivation activation, IReadOnlyList<float> logits)
    {
        var values = logits.ToArray();
        switch (activation)
        {
            case ClassifierActivation.Sigmoid:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = 1f / (1f + MathF.Exp(-values[i]));
                }

                break;
            case ClassifierActivation.Softmax:
                float max = values.Max();
                double sum = 0;
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = MathF.Exp(values[i] - max);
                    sum += values[i];
                }

                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(values[i] / sum);
                }

                break;
        }

        return values;
    }

    /// <summary>
    /// transformers' rule for its classification loss, which vLLM's classify follows: regression is the raw value,
    /// multi-label a sigmoid per class, otherwise a softmax over the classes (a sigmoid with one class).
    /// </summary>
    public static ClassifierActivation ForProblemType(string? problemType, int numLabels) => problemType switch
    {
        "regression" => ClassifierActivation.Identity,
        "multi_label_classification" => ClassifierActivation.Sigmoid,
        _ => numLabels < 2 ? ClassifierActivation.Sigmoid : ClassifierActivation.Softmax,
    };
}

/// <summary>What turns a classifier's logits into its answer.</summary>
public enum ClassifierActivation
{
    /// <summary>Probabilities over the classes that sum to 1.</summary>
    Softmax,

    /// <summary>A probability per class, each on its own.</summary>
    Sigmoid,

    /// <summary>The logits as they are (a regression head's value).</summary>
    Identity,
}

/// <summary>What a pooling request asks of the model (vLLM's pooling tasks).</summary>
public enum PoolingTask
{
    /// <summary>An embedding (an embedding model's pooled, projected hidden state).</summary>
    Embed,

    /// <summary>A classifier's logits, one per class.</summary>
    Classify,
}

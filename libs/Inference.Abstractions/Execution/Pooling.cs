namespace Inference.Abstractions.Execution;

/// <summary>
/// How an executor's model turns a prompt into an embedding: its final-normed hidden states pooled into one vector
/// (<see cref="PoolingMode"/>; sentence-transformers' Pooling module), then through the folder's Dense layers if any.
/// </summary>
/// <param name="HiddenSize">Values in a full embedding (the model's hidden_size, or the last Dense layer's out_features).</param>
/// <param name="Normalize">The model's default for requests that leave it unset: L2-normalize.</param>
/// <param name="Matryoshka">config.json's is_matryoshka or matryoshka_dimensions: a request may ask for fewer dimensions.</param>
/// <param name="MatryoshkaDimensions">config.json's matryoshka_dimensions, the only lengths allowed; empty: any from 1 to HiddenSize.</param>
/// <param name="Mode">Which of the prompt's hidden states make the embedding.</param>
public sealed record PoolingInfo(
    int HiddenSize, bool Normalize, bool Matryoshka, IReadOnlyList<int> MatryoshkaDimensions, PoolingMode Mode = PoolingMode.LastToken)
{
    /// <summary>
    /// The embedding needs hidden states from before the prompt's last token, so the prompt is computed whole: a
    /// prefix-cache hit would skip the positions it pools (vLLM likewise caches prefixes only for last-token pooling).
    /// </summary>
    public bool NeedsWholePrompt => Mode != PoolingMode.LastToken;
}

/// <summary>
/// sentence-transformers' pooling modes (its Pooling module's <c>pooling_mode_*</c> flags), over the prompt's
/// final-normed hidden states h_1 .. h_n.
/// </summary>
public enum PoolingMode
{
    /// <summary>h_n (pooling_mode_lasttoken; vLLM's LAST).</summary>
    LastToken,

    /// <summary>h_1 (pooling_mode_cls_token; vLLM's CLS).</summary>
    Cls,

    /// <summary>The mean of h_1 .. h_n (pooling_mode_mean_tokens; vLLM's MEAN).</summary>
    Mean,

    /// <summary>The largest value of each dimension over h_1 .. h_n (pooling_mode_max_tokens).</summary>
    Max,

    /// <summary>The sum of h_1 .. h_n divided by the square root of n (pooling_mode_mean_sqrt_len_tokens).</summary>
    MeanSqrtLength,

    /// <summary>The mean weighted by position, sum(i * h_i) / sum(i) (pooling_mode_weightedmean_tokens, as SGPT).</summary>
    WeightedMean,
}

/// <summary>What an embedding request wants from its pooled embedding.</summary>
/// <param name="Normalize">L2-normalize the (shortened) embedding.</param>
/// <param name="Dimensions">Keep the first Dimensions values before normalizing; null keeps all.</param>
public sealed record PoolingParams(bool Normalize, int? Dimensions = null);

/// <summary>An embedding request's result, from the step that computed its prompt's last token.</summary>
public sealed record PooledOutput(string RequestId, float[] Embedding);

namespace Inference.Abstractions.Execution;

/// <summary>
/// How an executor's model turns a prompt into an embedding: the final-normed hidden state of the prompt's last token
/// (last-token pooling, as sentence-transformers' <c>pooling_mode_lasttoken</c> and vLLM's LAST pooler).
/// </summary>
/// <param name="HiddenSize">Values in a full embedding.</param>
/// <param name="Normalize">The model's default for requests that leave it unset: L2-normalize.</param>
/// <param name="Matryoshka">config.json's is_matryoshka or matryoshka_dimensions: a request may ask for fewer dimensions.</param>
/// <param name="MatryoshkaDimensions">config.json's matryoshka_dimensions, the only lengths allowed; empty: any from 1 to HiddenSize.</param>
public sealed record PoolingInfo(int HiddenSize, bool Normalize, bool Matryoshka, IReadOnlyList<int> MatryoshkaDimensions);

/// <summary>What an embedding request wants from its prompt's last hidden state.</summary>
/// <param name="Normalize">L2-normalize the (shortened) embedding.</param>
/// <param name="Dimensions">Keep the first Dimensions values before normalizing; null keeps all.</param>
public sealed record PoolingParams(bool Normalize, int? Dimensions = null);

/// <summary>An embedding request's result, from the step that computed its prompt's last token.</summary>
public sealed record PooledOutput(string RequestId, float[] Embedding);

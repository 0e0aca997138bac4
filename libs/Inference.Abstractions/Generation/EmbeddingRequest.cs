namespace Inference.Abstractions.Generation;

/// <summary>One prompt to embed (the engine's Embed API, vLLM's embedding request).</summary>
/// <param name="RequestId">Caller-chosen id, unique among live requests; null assigns one.</param>
/// <param name="Prompt">Text (encoded with <see cref="TextPrompt.AddSpecialTokens"/>), token ids, or chat messages rendered
/// with the chat template (vLLM's chat-style embedding input).</param>
/// <param name="Dimensions">Keep the first Dimensions values (matryoshka models only); null keeps all.</param>
/// <param name="Normalize">L2-normalize; null takes the model's default.</param>
/// <param name="TruncatePromptTokens">Keep only the prompt's last k tokens; -1 as many as the context holds; null refuses a
/// prompt longer than the context.</param>
/// <param name="Priority">Under priority scheduling a lower value runs first (vLLM's rule); ignored under FCFS.</param>
/// <param name="CacheSalt">As <see cref="GenerationParams.CacheSalt"/>.</param>
/// <param name="LoraName">As <see cref="GenerationParams.LoraName"/>.</param>
/// <param name="Task">An embedding (an embedding model's), or a classifier's logits (a classification model's); each model
/// answers only its own.</param>
public sealed record EmbeddingRequest(
    string? RequestId,
    Prompt Prompt,
    int? Dimensions = null,
    bool? Normalize = null,
    int? TruncatePromptTokens = null,
    int Priority = 0,
    string? CacheSalt = null,
    string? LoraName = null,
    Execution.PoolingTask Task = Execution.PoolingTask.Embed);

/// <summary>An embedded prompt.</summary>
/// <param name="RequestId">The caller's id, or the one the engine assigned.</param>
/// <param name="Embedding">The embedding, as the request asked (with <see cref="Execution.PoolingTask.Classify"/>, the class logits).</param>
/// <param name="PromptTokens">Tokens of the prompt as the model saw it.</param>
/// <param name="CachedPromptTokens">Prompt tokens served from the prefix cache.</param>
public sealed record EmbeddingResult(string RequestId, float[] Embedding, int PromptTokens, int CachedPromptTokens);

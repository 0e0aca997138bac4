using Inference.Abstractions.Execution;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Lora;
using Worker.Runtime.Sampling;

namespace Worker.Runtime;

/// <summary>What the worker holds for one running request between steps.</summary>
internal sealed class RequestState(
    string id, List<int> tokens, int numPromptTokens, List<int> blockIds, int numComputedTokens, SequenceSamplingState sampling, PoolingParams? pooling = null,
    HiddenStatePooler? pooler = null, LoraAdapter? lora = null, float[]? promptEmbeds = null)
{
    public string Id { get; } = id;

    /// <summary>All known tokens: prompt, then every sampled token appended.</summary>
    public List<int> Tokens { get; } = tokens;

    public int NumPromptTokens { get; } = numPromptTokens;

    /// <summary>The request's KV blocks in order; position p lives in BlockIds[p / blockSize].</summary>
    public List<int> BlockIds { get; } = blockIds;

    /// <summary>Tokens whose KV is in the cache.</summary>
    public int NumComputedTokens { get; set; } = numComputedTokens;

    public SequenceSamplingState Sampling { get; } = sampling;

    /// <summary>Set for an embedding request: its prompt's hidden states yield an embedding instead of a sampled token.</summary>
    public PoolingParams? Pooling { get; } = pooling;

    /// <summary>An embedding request's hidden states pooled so far (set with <see cref="Pooling"/>).</summary>
    public HiddenStatePooler? Pooler { get; } = pooler;

    /// <summary>The LoRA adapter applied to every token of the request; null for the base model.</summary>
    public LoraAdapter? Lora { get; } = lora;

    /// <summary>A prompt sent as embeddings: NumPromptTokens rows of the hidden size, the model's input at those positions.</summary>
    public float[]? PromptEmbeds { get; } = promptEmbeds;

    /// <summary>The input embedding of <paramref name="position"/> when the prompt was sent as embeddings and it lies in the prompt; else empty (looked up).</summary>
    public ReadOnlyMemory<float> InputEmbedding(int position, int hiddenSize) =>
        PromptEmbeds is { } embeds && position < NumPromptTokens ? embeds.AsMemory(position * hiddenSize, hiddenSize) : default;

    /// <summary>An embedding request whose embedding was computed: it is never scheduled again.</summary>
    public bool Pooled { get; set; }
}

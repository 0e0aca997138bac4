using Gateway.Api.Json;

namespace Gateway.Api.Fields;

/// <summary>The endpoints a request field belongs to.</summary>
[Flags]
public enum ApiEndpoints
{
    Completions = 1,
    Chat = 2,
    Tokenize = 4,
    Detokenize = 8,
    Responses = 16,
    Embeddings = 32,

    /// <summary>vLLM's <c>/score</c> (and <c>/v1/score</c>).</summary>
    Score = 64,

    /// <summary>vLLM's Jina/Cohere-style <c>/rerank</c> (and <c>/v1/rerank</c>, <c>/v2/rerank</c>).</summary>
    Rerank = 128,

    /// <summary>vLLM's <c>/classify</c> (and <c>/v1/classify</c>), for a sequence-classification model.</summary>
    Classify = 256,

    /// <summary>vLLM's <c>/pooling</c>: the served model's pooled output of each input, the embedding or the class probabilities.</summary>
    Pool = 512,

    Generation = Completions | Chat,

    /// <summary>The endpoints that pool their prompts, each through the scheduler's Embed.</summary>
    Pooling = Embeddings | Score | Rerank | Classify | Pool,

    /// <summary>Fields whose meaning is the same in chat and in the Responses API: a Responses request passes them on to chat as they are.</summary>
    GenerationAndResponses = Generation | Responses,
}

/// <summary>What the gateway does with a field.</summary>
public enum FieldSupport
{
    /// <summary>Honoured; <see cref="ApiField.Accepts"/>, when set, refuses the values that are not (yet).</summary>
    Supported,

    /// <summary>Accepted and type-checked, with no effect on the answer (metadata, or a no-op for this model, as in vLLM).</summary>
    NoEffect,

    /// <summary>Any value but the neutral one (null, false, empty, the default) is a 400 naming the field.</summary>
    Refused,
}

/// <summary>One request field of the OpenAI API or vLLM's extensions, and how the gateway treats it.</summary>
/// <param name="Name">The JSON name.</param>
/// <param name="Endpoints">Where it applies; elsewhere it is an unknown field, ignored as OpenAI does.</param>
/// <param name="Support">Honoured, accepted with no effect, or refused.</param>
/// <param name="Note">What it does here, or why it is refused; the README's notes and the 400's message.</param>
/// <param name="Accepts">
/// For a present, non-null value: false refuses the request with a 400 naming the field and <paramref name="Note"/>.
/// It may itself throw a 400 for a malformed value. Null: every value is read by the endpoint's own reader.
/// </param>
/// <param name="Keys">
/// For an object field, the keys it has: any other key in it is ignored and reported as <c>name.key</c> with the
/// endpoint's unknown fields (vLLM's "present in the request but ignored"). Null: not an object, or its reader checks
/// every key itself.
/// </param>
public sealed record ApiField(
    string Name,
    ApiEndpoints Endpoints,
    FieldSupport Support,
    string Note,
    Func<RequestFields, bool>? Accepts = null,
    IReadOnlyList<string>? Keys = null);

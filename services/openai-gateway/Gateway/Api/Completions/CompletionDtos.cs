using System.Text.Json.Serialization;
using Gateway.Api.Generation;
using Gateway.Api.Json;

namespace Gateway.Api.Completions;

/// <summary>A <c>text_completion</c> object: the whole answer, or one streamed chunk of it.</summary>
public sealed record CompletionResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<CompletionChoice> Choices,
    UsageDto? Usage,
    string? SystemFingerprint = null);

/// <summary>One choice; <see cref="StopReason"/> is vLLM's extra field naming the stop string or id that matched,
/// <see cref="PromptLogprobs"/> vLLM's prompt_logprobs (written only when asked for, and never streamed), and
/// <see cref="PromptTokenIds"/> and <see cref="TokenIds"/> vLLM's return_token_ids (streamed: the prompt's in each
/// choice's first chunk, the generated ones chunk by chunk).</summary>
public sealed record CompletionChoice(
    int Index,
    string Text,
    CompletionLogprobs? Logprobs,
    string? FinishReason,
    StopReason? StopReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<Dictionary<string, PromptLogprobDto>?>? PromptLogprobs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? PromptTokenIds = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? TokenIds = null);

/// <summary>
/// The legacy completions logprobs shape, one entry per token: the generated ones, after the prompt's when echoed (the
/// prompt's first token then has null logprob and null top_logprobs, as OpenAI and vLLM return it).
/// </summary>
public sealed record CompletionLogprobs(
    IReadOnlyList<int> TextOffset,
    IReadOnlyList<float?> TokenLogprobs,
    IReadOnlyList<string> Tokens,
    IReadOnlyList<Dictionary<string, float>?> TopLogprobs)
{
    /// <summary>This block followed by <paramref name="next"/>'s tokens.</summary>
    public CompletionLogprobs Concat(CompletionLogprobs next) => new(
        [.. TextOffset, .. next.TextOffset],
        [.. TokenLogprobs, .. next.TokenLogprobs],
        [.. Tokens, .. next.Tokens],
        [.. TopLogprobs, .. next.TopLogprobs]);
}

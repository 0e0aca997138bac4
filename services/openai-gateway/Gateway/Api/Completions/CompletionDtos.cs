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

/// <summary>One choice; <see cref="StopReason"/> is vLLM's extra field naming the stop string or id that matched.</summary>
public sealed record CompletionChoice(
    int Index,
    string Text,
    CompletionLogprobs? Logprobs,
    string? FinishReason,
    string? StopReason);

/// <summary>The legacy completions logprobs shape, one entry per generated token.</summary>
public sealed record CompletionLogprobs(
    IReadOnlyList<int> TextOffset,
    IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<string> Tokens,
    IReadOnlyList<Dictionary<string, float>> TopLogprobs);

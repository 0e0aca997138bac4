using System.Text.Json.Serialization;
using Gateway.Api.Json;

namespace Gateway.Api.Chat;

/// <summary>
/// A <c>chat.completion</c> object; <see cref="PromptLogprobs"/> is vLLM's prompt_logprobs and
/// <see cref="PromptTokenIds"/> its return_token_ids' prompt ids, each written only when asked for.
/// </summary>
public sealed record ChatCompletionResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    UsageDto? Usage,
    string? SystemFingerprint = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<Dictionary<string, Generation.PromptLogprobDto>?>? PromptLogprobs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? PromptTokenIds = null);

public sealed record ChatChoice(
    int Index,
    ChatMessageDto Message,
    ChatLogprobs? Logprobs,
    string? FinishReason,
    Generation.StopReason? StopReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? TokenIds = null);

/// <summary>
/// The assistant's answer; content is null when the answer is only tool calls (or only reasoning). With a reasoning
/// parser, the thinking is in <see cref="Reasoning"/> (vLLM's current name) and <see cref="ReasoningContent"/> (its
/// earlier one, which DeepSeek's API and llama.cpp's server use), both written only when there is some.
/// </summary>
public sealed record ChatMessageDto(
    string Role,
    string? Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallDto>? ToolCalls,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reasoning = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReasoningContent = null);

public sealed record ToolCallDto(string Id, string Type, FunctionCallDto Function);

/// <summary>A function call; <see cref="Arguments"/> is a JSON text, as OpenAI sends it.</summary>
public sealed record FunctionCallDto(string Name, string Arguments);

/// <summary>A <c>chat.completion.chunk</c> object.</summary>
public sealed record ChatCompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageDto? Usage,
    string? SystemFingerprint = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? PromptTokenIds = null);

public sealed record ChatChunkChoice(
    int Index,
    ChatDelta Delta,
    ChatLogprobs? Logprobs,
    string? FinishReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Generation.StopReason? StopReason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? TokenIds = null);

/// <summary>What a chunk adds to the message; unset parts are left out. Reasoning goes under both names, as in <see cref="ChatMessageDto"/>.</summary>
public sealed record ChatDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallDeltaDto>? ToolCalls = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reasoning = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReasoningContent = null)
{
    /// <summary>A delta of reasoning text, under both names.</summary>
    public static ChatDelta OfReasoning(string text) => new(Reasoning: text, ReasoningContent: text);
}

/// <summary>A piece of a streamed tool call: the first carries id, type and the function's name; the rest, argument text.</summary>
public sealed record ToolCallDeltaDto(
    int Index,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type,
    FunctionDeltaDto Function);

public sealed record FunctionDeltaDto(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    string Arguments);

/// <summary>Chat logprobs: one entry per generated token.</summary>
public sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content);

public sealed record ChatTokenLogprob(
    string Token,
    float Logprob,
    IReadOnlyList<int> Bytes,
    IReadOnlyList<ChatTopLogprob> TopLogprobs);

public sealed record ChatTopLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes);

using System.Text.Json.Serialization;
using Gateway.Api.Json;

namespace Gateway.Api.Chat;

/// <summary>A <c>chat.completion</c> object; <see cref="PromptLogprobs"/> is vLLM's prompt_logprobs, written only when asked for.</summary>
public sealed record ChatCompletionResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    UsageDto? Usage,
    string? SystemFingerprint = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<Dictionary<string, Generation.PromptLogprobDto>?>? PromptLogprobs = null);

public sealed record ChatChoice(
    int Index,
    ChatMessageDto Message,
    ChatLogprobs? Logprobs,
    string? FinishReason,
    string? StopReason);

/// <summary>The assistant's answer; content is null when the answer is only tool calls.</summary>
public sealed record ChatMessageDto(
    string Role,
    string? Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallDto>? ToolCalls);

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
    string? SystemFingerprint = null);

public sealed record ChatChunkChoice(
    int Index,
    ChatDelta Delta,
    ChatLogprobs? Logprobs,
    string? FinishReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StopReason = null);

/// <summary>What a chunk adds to the message; unset parts are left out.</summary>
public sealed record ChatDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallDeltaDto>? ToolCalls = null);

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

using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Chat;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Backends;

namespace Gateway.Api.Responses;

/// <summary>
/// OpenAI's response object and its output items, as JSON: a <c>reasoning</c> item (a reasoning parser's
/// <c>&lt;think&gt;</c> block), a <c>message</c> with one <c>output_text</c> part, <c>function_call</c> items. The
/// whole answer and the streamed one build the same objects here.
/// </summary>
public sealed class ResponseDocument(ResponsesRequest request, string id, long createdAt, string model)
{
    public const string Completed = "completed";
    public const string Incomplete = "incomplete";
    public const string InProgress = "in_progress";
    public const string Queued = "queued";
    public const string Cancelled = "cancelled";
    public const string FailedStatus = "failed";

    public string Id => id;

    /// <summary>The response object; usage null while it is in progress.</summary>
    public JsonObject Build(string status, JsonArray output, GenerationUsage? usage, int reasoningTokens)
    {
        var response = new JsonObject
        {
            ["id"] = id,
            ["object"] = "response",
            ["created_at"] = createdAt,
            ["status"] = status,
            ["error"] = null,
            ["incomplete_details"] = status == Incomplete ? new JsonObject { ["reason"] = "max_output_tokens" } : null,
            ["model"] = model,
            ["output"] = output,
            ["usage"] = usage is null ? null : Usage(usage, reasoningTokens),
        };
        foreach (var (name, value) in request.Echo)
        {
            response[name] = value?.DeepClone();
        }

        return response;
    }

    /// <summary>A background response whose run failed: status failed, the error as OpenAI's response carries it.</summary>
    public JsonObject Failed(ErrorInfo error)
    {
        var response = Build(FailedStatus, [], null, 0);
        response["error"] = new JsonObject { ["code"] = error.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), ["message"] = error.Message };
        return response;
    }

    /// <summary>"incomplete" when max_output_tokens cut the answer, else "completed".</summary>
    public static string StatusOf(FinishReason finish) => finish == FinishReason.Length ? Incomplete : Completed;

    public static JsonObject ReasoningItem(string itemId, string? text) => new()
    {
        ["id"] = itemId,
        ["type"] = "reasoning",
        ["summary"] = new JsonArray(),
        ["content"] = text is null ? new JsonArray() : new JsonArray(new JsonObject { ["type"] = "reasoning_text", ["text"] = text }),
    };

    public static JsonObject MessageItem(string itemId, string status, JsonObject? part) => new()
    {
        ["id"] = itemId,
        ["type"] = "message",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = part is null ? new JsonArray() : new JsonArray(part),
    };

    public static JsonObject OutputText(string text, JsonArray? logprobs) => new()
    {
        ["type"] = "output_text",
        ["text"] = text,
        ["annotations"] = new JsonArray(),
        ["logprobs"] = logprobs ?? [],
    };

    public static JsonObject FunctionCallItem(string itemId, string callId, string name, string arguments, string status) => new()
    {
        ["id"] = itemId,
        ["type"] = "function_call",
        ["call_id"] = callId,
        ["name"] = name,
        ["arguments"] = arguments,
        ["status"] = status,
    };

    /// <summary>Fresh item ids, in the form the gateway names everything (prefix, dash, 32 hex digits).</summary>
    public static string NewItemId(string kind) => RequestIds.New(kind);

    /// <summary>Tokens' logprobs as output_text's logprobs (the same shape as chat's: token, logprob, bytes, top_logprobs).</summary>
    public static JsonArray Logprobs(IReadOnlyList<GeneratedToken> tokens, IReadOnlyDictionary<int, string> texts, int top) =>
        (JsonArray)JsonSerializer.SerializeToNode(ChatLogprobsBuilder.Build(tokens, texts, top), ApiJson.Context.ChatLogprobs)!["content"]!.DeepClone();

    private static JsonObject Usage(GenerationUsage usage, int reasoningTokens) => new()
    {
        ["input_tokens"] = usage.PromptTokens,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.CachedPromptTokens },
        ["output_tokens"] = usage.CompletionTokens,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = reasoningTokens },
        ["total_tokens"] = usage.TotalTokens,
    };
}

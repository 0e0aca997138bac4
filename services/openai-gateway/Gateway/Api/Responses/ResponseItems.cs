using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Sampling;

namespace Gateway.Api.Responses;

/// <summary>
/// Responses API items as chat messages, the form the chat template renders: the request's <c>input</c> and, for
/// <c>previous_response_id</c>, a stored response's output (whose items are valid input items too). Message items
/// keep their role and text; a <c>function_call</c> item becomes a tool call of the assistant message before it (or of
/// a new one), a <c>function_call_output</c> a <c>tool</c> message, a <c>reasoning</c> item the <c>reasoning</c> of the
/// assistant message that follows it. Anything the served text models cannot take is a 400 naming the item.
/// </summary>
public static class ResponseItems
{
    public const string InputField = "input";

    private static readonly string[] _roles = ["user", "assistant", "system", "developer"];

    /// <summary>input as items: a string is one user message; an array is its items.</summary>
    public static JsonArray InputItems(JsonNode input) => input switch
    {
        JsonValue value when value.TryGetValue(out string? text) =>
            [new JsonObject { ["type"] = "message", ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = text }) }],
        JsonArray items => (JsonArray)items.DeepClone(),
        _ => throw ApiException.BadRequest($"input must be a string or an array of items, got {Describe(input)}.", InputField),
    };

    /// <summary>
    /// Input items as <c>GET /v1/responses/{id}/input_items</c> lists them: each with an id (one is made for an item
    /// sent without), a type, and a message's text as content parts. The items must have passed <see cref="ToMessages"/>.
    /// </summary>
    public static JsonArray Listed(JsonArray items)
    {
        var listed = new JsonArray();
        foreach (var node in items)
        {
            var item = (JsonObject)node!.DeepClone();
            var type = item["type"]?.GetValue<string>() ?? "message";
            item["type"] = type;
            if (type == "message" && item["content"] is JsonValue text)
            {
                var partType = item["role"]?.GetValue<string>() == "assistant" ? "output_text" : "input_text";
                item["content"] = new JsonArray(new JsonObject { ["type"] = partType, ["text"] = text.GetValue<string>() });
            }

            if (item["id"] is null)
            {
                item["id"] = RequestIds.New(type switch { "message" => "msg", "function_call" => "fc", "function_call_output" => "fco", "reasoning" => "rs", _ => "item" });
            }

            listed.Add(item);
        }

        return listed;
    }

    /// <summary>Items (input items, or a response's output items) as chat messages; errors name <paramref name="path"/>[i].</summary>
    public static JsonArray ToMessages(JsonArray items, string path)
    {
        var messages = new JsonArray();
        JsonObject? assistant = null;   // the assistant message a following function_call joins
        string? reasoning = null;       // a reasoning item's text, for the next assistant message
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (items[i] is not JsonObject item)
            {
                throw Bad($"{itemPath} must be an object, got {Describe(items[i])}.");
            }

            var type = OptionalString(item, "type", itemPath) ?? (item.ContainsKey("role") ? "message" : null);
            switch (type)
            {
                case "message":
                    var role = RequiredString(item, "role", itemPath);
                    if (!_roles.Contains(role))
                    {
                        throw Bad($"{itemPath}.role must be one of {string.Join(", ", _roles)}, got \"{role}\".");
                    }

                    var message = new JsonObject { ["role"] = role, ["content"] = ContentText(item["content"], $"{itemPath}.content") };
                    assistant = role == "assistant" ? message : null;
                    if (assistant is not null && reasoning is not null)
                    {
                        assistant["reasoning"] = reasoning;
                        reasoning = null;
                    }

                    messages.Add(message);
                    break;
                case "function_call":
                    if (assistant is null)
                    {
                        assistant = new JsonObject { ["role"] = "assistant", ["content"] = null };
                        if (reasoning is not null)
                        {
                            assistant["reasoning"] = reasoning;
                            reasoning = null;
                        }

                        messages.Add(assistant);
                    }

                    if (assistant["tool_calls"] is not JsonArray calls)
                    {
                        assistant["tool_calls"] = calls = [];
                    }

                    calls.Add(new JsonObject
                    {
                        ["id"] = RequiredString(item, "call_id", itemPath),
                        ["type"] = "function",
                        ["function"] = new JsonObject
                        {
                            ["name"] = RequiredString(item, "name", itemPath),
                            ["arguments"] = RequiredString(item, "arguments", itemPath),
                        },
                    });
                    break;
                case "function_call_output":
                    messages.Add(new JsonObject
                    {
                        ["role"] = "tool",
                        ["tool_call_id"] = RequiredString(item, "call_id", itemPath),
                        ["content"] = ContentText(item["output"], $"{itemPath}.output"),
                    });
                    assistant = null;
                    break;
                case "reasoning":
                    reasoning = ReasoningText(item, itemPath);
                    assistant = null;
                    break;
                case null:
                    throw Bad($"{itemPath} needs a type (message, function_call, function_call_output or reasoning) or a role.");
                case "item_reference":
                    throw Bad($"{itemPath} is an item_reference, which is not supported yet: send the item itself, or chain with previous_response_id.");
                default:
                    throw Bad($"{itemPath}.type \"{type}\" is not supported: the served models take message, function_call, function_call_output and reasoning items.");
            }
        }

        if (reasoning is not null)
        {
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = "", ["reasoning"] = reasoning });
        }

        return messages;
    }

    /// <summary>A message's content (or a function_call_output's output): a string, or text parts joined by newlines.</summary>
    private static string ContentText(JsonNode? content, string path)
    {
        switch (content)
        {
            case JsonValue value when value.TryGetValue(out string? text):
                return text;
            case JsonArray parts:
                var texts = new List<string>(parts.Count);
                for (var j = 0; j < parts.Count; j++)
                {
                    var partPath = $"{path}[{j}]";
                    if (parts[j] is not JsonObject part)
                    {
                        throw Bad($"{partPath} must be an object, got {Describe(parts[j])}.");
                    }

                    var type = RequiredString(part, "type", partPath);
                    texts.Add(type switch
                    {
                        "input_text" or "output_text" or "text" => RequiredString(part, "text", partPath),
                        "refusal" => RequiredString(part, "refusal", partPath),
                        "input_image" or "input_file" or "input_audio" =>
                            throw Bad($"{partPath} is an {type} part: the served models take text only."),
                        _ => throw Bad($"{partPath}.type \"{type}\" is not a text part (input_text, output_text or refusal)."),
                    });
                }

                return string.Join("\n", texts);
            default:
                throw Bad($"{path} must be a string or an array of text parts, got {Describe(content)}.");
        }
    }

    /// <summary>A reasoning item's text: its reasoning_text content, or else its summary's text.</summary>
    private static string ReasoningText(JsonObject item, string path)
    {
        var parts = item["content"] is JsonArray { Count: > 0 } content ? (content, "content") : item["summary"] is JsonArray summary ? (summary, "summary") : (null, null);
        if (parts.Item1 is null)
        {
            return "";
        }

        var texts = new List<string>();
        for (var j = 0; j < parts.Item1.Count; j++)
        {
            var partPath = $"{path}.{parts.Item2}[{j}]";
            texts.Add(parts.Item1[j] is JsonObject part ? RequiredString(part, "text", partPath) : throw Bad($"{partPath} must be an object with a text."));
        }

        return string.Join("\n", texts);
    }

    private static string RequiredString(JsonObject item, string name, string path) =>
        OptionalString(item, name, path) ?? throw Bad($"{path}.{name} is required.");

    private static string? OptionalString(JsonObject item, string name, string path) => item[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? text) => text,
        var other => throw Bad($"{path}.{name} must be a string, got {Describe(other)}."),
    };

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or System.Text.Json.JsonValueKind.Null => "null",
        var kind => Json.RequestBody.Describe(kind.Value),
    };

    private static ApiException Bad(string message) => ApiException.BadRequest(message, InputField);
}

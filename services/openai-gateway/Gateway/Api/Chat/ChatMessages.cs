using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Inference.Abstractions.Text;

namespace Gateway.Api.Chat;

/// <summary>
/// The <c>messages</c> field, checked for the shape vLLM's request model accepts before it goes to the chat template:
/// a non-empty array of objects with a string <c>role</c>; <c>content</c> null, a string, or an array of parts (each
/// a string, or an object with a string <c>type</c>: a text-like one (<see cref="ChatContentParts"/>) with its text
/// a string; media parts are refused, the served models taking text only); <c>name</c> and <c>tool_call_id</c>
/// strings; <c>tool_calls</c> an array whose string <c>arguments</c> hold JSON. Anything else is a 400 naming the
/// message, down to the part.
/// </summary>
public static class ChatMessages
{
    public const string Field = "messages";

    public static JsonElement Read(RequestFields fields)
    {
        var messages = fields.Raw(Field) ?? throw ApiException.BadRequest("messages is required.", Field);
        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw RequestFields.WrongType(Field, "an array of messages", messages);
        }

        SamplingFields.Require(messages.GetArrayLength() > 0, Field, "messages must hold at least one message.");
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            Check(message, $"messages[{index}]");
            index++;
        }

        return messages;
    }

    private static void Check(JsonElement message, string path)
    {
        SamplingFields.Require(
            message.ValueKind == JsonValueKind.Object && Kind(message, "role") == JsonValueKind.String,
            Field,
            $"{path} must be an object with a string role.");
        RequireKind(message, path, "name", JsonValueKind.String, "a string");
        RequireKind(message, path, "tool_call_id", JsonValueKind.String, "a string");
        RequireKind(message, path, "tool_calls", JsonValueKind.Array, "an array");
        if (Kind(message, "tool_calls") == JsonValueKind.Array)
        {
            CheckToolCallArguments(message.GetProperty("tool_calls"), $"{path}.tool_calls");
        }

        var content = message.TryGetProperty("content", out var value) ? value : default;
        switch (content.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String:
                return;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var part in content.EnumerateArray())
                {
                    CheckPart(part, $"{path}.content[{index}]");
                    index++;
                }

                return;
            default:
                throw ApiException.BadRequest(
                    $"{path}.content must be a string, an array of content parts or null, got {RequestBody.Describe(content.ValueKind)}.",
                    Field);
        }
    }

    private static void CheckPart(JsonElement part, string path)
    {
        if (part.ValueKind == JsonValueKind.String)
        {
            return; // vLLM takes a bare string in the list as a text part
        }

        SamplingFields.Require(
            part.ValueKind == JsonValueKind.Object && Kind(part, "type") == JsonValueKind.String,
            Field,
            $"{path} must be a string or an object with a string type.");
        var type = part.GetProperty("type").GetString()!;
        if (ChatContentParts.TryGetTextField(type, out var field))
        {
            SamplingFields.Require(Kind(part, field) == JsonValueKind.String, Field, $"{path} is a {type} part without a string {field}.");
            return;
        }

        throw ApiException.BadRequest(
            ChatContentParts.IsMedia(type) ? ChatContentParts.MediaNotSupported(path, type) : ChatContentParts.UnknownType(path, type),
            Field);
    }

    /// <summary>
    /// A call's arguments as the API sends them, a JSON string (or HF's object): the tokenizer parses the string into
    /// the object the chat template prints, so text that is not JSON is refused here, naming the call.
    /// </summary>
    private static void CheckToolCallArguments(JsonElement calls, string path)
    {
        var index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var holder = call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
                ? (Element: function, Path: $"{path}[{index}].function")
                : (Element: call, Path: $"{path}[{index}]");
            if (holder.Element.ValueKind == JsonValueKind.Object
                && holder.Element.TryGetProperty("arguments", out var arguments)
                && arguments.ValueKind == JsonValueKind.String
                && arguments.GetString() is { Length: > 0 } json
                && !IsJson(json))
            {
                throw ApiException.BadRequest($"{holder.Path}.arguments must hold JSON (a call's arguments as a JSON string), got {Quote(json)}.", Field);
            }

            index++;
        }
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 128 });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Quote(string text) => JsonSerializer.Serialize(text.Length <= 40 ? text : text[..40] + "...", Readable);

    private static void RequireKind(JsonElement message, string path, string name, JsonValueKind kind, string expected)
    {
        var actual = Kind(message, name);
        SamplingFields.Require(
            actual is JsonValueKind.Undefined or JsonValueKind.Null || actual == kind,
            Field,
            $"{path}.{name} must be {expected}, got {RequestBody.Describe(actual)}.");
    }

    private static JsonValueKind Kind(JsonElement value, string name) =>
        value.TryGetProperty(name, out var property) ? property.ValueKind : JsonValueKind.Undefined;
}

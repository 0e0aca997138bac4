using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Api.Sampling;

namespace Gateway.Api.Chat;

/// <summary>
/// The <c>messages</c> field, checked for the shape vLLM's request model accepts before it goes to the chat template:
/// a non-empty array of objects with a string <c>role</c>; <c>content</c> null, a string, or an array of parts (each
/// an object with a string <c>type</c>, and a string <c>text</c> for a text part); <c>name</c> and
/// <c>tool_call_id</c> strings; <c>tool_calls</c> an array. Anything else is a 400 naming the message.
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
        SamplingFields.Require(
            part.ValueKind == JsonValueKind.Object && Kind(part, "type") == JsonValueKind.String,
            Field,
            $"{path} must be an object with a string type.");
        if (part.GetProperty("type").ValueEquals("text"))
        {
            SamplingFields.Require(Kind(part, "text") == JsonValueKind.String, Field, $"{path} is a text part without a string text.");
        }
    }

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

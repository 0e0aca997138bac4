using System.Text.Json;
using Inference.Abstractions.Text;

namespace Tokenizer.Core.Templating;

/// <summary>
/// Turns the OpenAI API's messages into the conversation a chat template is written for, as vLLM's chat parsing does
/// before it applies the template:
/// - content: absent or null becomes empty, a string stays one text, an array of parts keeps its text-like parts
///   (<see cref="ChatContentParts"/>); for a <see cref="ChatContentFormat.String"/> template their texts are joined with
///   newlines into one string (Qwen's templates concatenate content as a string), for an
///   <see cref="ChatContentFormat.OpenAi"/> one they become a list of <c>{"type": "text", "text": ...}</c> parts. Media
///   parts are refused: the models served here take text only.
/// - an assistant message's tool_calls: arguments sent as a JSON string (the API's form) are parsed into the object
///   templates expect (HF's form; Qwen2.5's template would print the string quoted a second time), empty ones become {}.
/// - an assistant message's reasoning under either name, <c>reasoning</c> (vLLM's newer field) or
///   <c>reasoning_content</c> (what Qwen3's template reads), is given under both.
/// - the role <c>developer</c> (OpenAI's name for the system prompt of newer models) becomes <c>system</c> for templates
///   that never name it, as llama.cpp maps it: Qwen's templates would otherwise drop those instructions without a word.
/// Other fields (name, tool_call_id, reasoning_content, ...) pass through as sent. Messages already in the template's
/// form (string content, argument objects) come out unchanged.
/// </summary>
internal static class ChatConversation
{
    /// <exception cref="ChatTemplateException">A message or part the template cannot be given, named by its index.</exception>
    /// <param name="developerAsSystem">Whether the template lacks a developer role of its own.</param>
    public static List<object?> From(List<object?> messages, ChatContentFormat format, bool developerAsSystem)
    {
        var conversation = new List<object?>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not OrderedDictionary<string, object?> message)
            {
                throw new ChatTemplateException($"messages[{i}] must be an object with a role and content");
            }

            var turn = new OrderedDictionary<string, object?>(message);
            if (developerAsSystem && message.GetValueOrDefault("role") is "developer")
            {
                turn["role"] = "system";
            }

            turn["content"] = Content(message.GetValueOrDefault("content"), format, $"messages[{i}].content");
            if (message.GetValueOrDefault("role") is "assistant"
                && (message.GetValueOrDefault("reasoning") ?? message.GetValueOrDefault("reasoning_content")) is string reasoning)
            {
                turn["reasoning"] = reasoning;
                turn["reasoning_content"] = reasoning;
            }

            if (turn.GetValueOrDefault("tool_calls") is List<object?> calls)
            {
                turn["tool_calls"] = ToolCalls(calls, $"messages[{i}].tool_calls");
            }

            conversation.Add(turn);
        }

        return conversation;
    }

    private static object Content(object? content, ChatContentFormat format, string path)
    {
        var texts = content switch
        {
            null => [],
            string text => [text],
            List<object?> parts => Texts(parts, path),
            _ => throw new ChatTemplateException($"{path} must be a string, an array of content parts or null"),
        };
        return format == ChatContentFormat.String
            ? string.Join('\n', texts)
            : texts.Select(text => (object?)new OrderedDictionary<string, object?> { ["type"] = "text", ["text"] = text }).ToList();
    }

    private static List<string> Texts(List<object?> parts, string path)
    {
        var texts = new List<string>(parts.Count);
        for (int j = 0; j < parts.Count; j++)
        {
            string partPath = $"{path}[{j}]";
            switch (parts[j])
            {
                case string text:
                    texts.Add(text);
                    break;
                case OrderedDictionary<string, object?> part when part.GetValueOrDefault("type") is string type:
                    if (ChatContentParts.TryGetTextField(type, out string field))
                    {
                        // vLLM skips a text part whose text is missing or null.
                        switch (part.GetValueOrDefault(field))
                        {
                            case string text:
                                texts.Add(text);
                                break;
                            case not null:
                                throw new ChatTemplateException($"{partPath}.{field} must be a string");
                        }
                    }
                    else
                    {
                        throw new ChatTemplateException(ChatContentParts.IsMedia(type)
                            ? ChatContentParts.MediaNotSupported(partPath, type)
                            : ChatContentParts.UnknownType(partPath, type));
                    }

                    break;
                default:
                    throw new ChatTemplateException($"{partPath} must be a string or an object with a string type");
            }
        }

        return texts;
    }

    private static List<object?> ToolCalls(List<object?> calls, string path)
    {
        var parsed = new List<object?>(calls.Count);
        for (int j = 0; j < calls.Count; j++)
        {
            if (calls[j] is not OrderedDictionary<string, object?> call)
            {
                parsed.Add(calls[j]);
                continue;
            }

            // The API nests name and arguments under "function"; HF's examples sometimes put them on the call itself.
            var copy = new OrderedDictionary<string, object?>(call);
            if (call.GetValueOrDefault("function") is OrderedDictionary<string, object?> function)
            {
                copy["function"] = WithParsedArguments(function, $"{path}[{j}].function.arguments");
            }
            else if (call.ContainsKey("arguments"))
            {
                copy = WithParsedArguments(copy, $"{path}[{j}].arguments");
            }

            parsed.Add(copy);
        }

        return parsed;
    }

    private static OrderedDictionary<string, object?> WithParsedArguments(OrderedDictionary<string, object?> holder, string path)
    {
        var arguments = holder.GetValueOrDefault("arguments");
        if (arguments is not (null or string))
        {
            return holder;
        }

        var copy = new OrderedDictionary<string, object?>(holder);
        if (arguments is not string { Length: > 0 } json)
        {
            copy["arguments"] = new OrderedDictionary<string, object?>();
            return copy;
        }

        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 128 });
            copy["arguments"] = JsonValues.FromJson(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new ChatTemplateException($"{path} must be JSON (the API sends a call's arguments as a JSON string): {e.Message}");
        }

        return copy;
    }
}

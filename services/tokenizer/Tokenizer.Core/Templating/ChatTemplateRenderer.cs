using System.Text.Json;
using Inference.Abstractions.Text;

namespace Tokenizer.Core.Templating;

/// <summary>
/// Renders the model's chat template the way transformers' apply_chat_template does: variables messages,
/// tools (undefined when none), add_generation_prompt, bos_token, eos_token, then the template kwargs; with
/// continue_final_message the prompt is cut right after the final message's text, as transformers cuts it.
/// <see cref="Render"/> takes the API's messages and makes them the template's conversation first, as vLLM does
/// (<see cref="ChatConversation"/>: content parts joined or listed as the template reads them, argument strings
/// parsed); <see cref="RenderAsSent"/> hands the messages to the template untouched, as apply_chat_template does.
/// </summary>
public sealed class ChatTemplateRenderer
{
    private readonly JinjaTemplate _template;
    private readonly string? _bosToken;
    private readonly string? _eosToken;
    private readonly bool _developerAsSystem;
    private readonly ChatRoleCheck _roles;

    public ChatTemplateRenderer(string template, string? bosToken, string? eosToken)
    {
        try
        {
            _template = JinjaTemplate.Parse(template);
        }
        catch (TemplateException e)
        {
            throw new ChatTemplateException($"the chat template does not parse: {e.Message}", e);
        }
        _bosToken = bosToken;
        _eosToken = eosToken;
        _developerAsSystem = !template.Contains("developer", StringComparison.Ordinal);
        _roles = new ChatRoleCheck(messages => Render(new ChatTemplateInput("[]", ToolsJson: null, AddGenerationPrompt: false, TemplateKwargsJson: null), Conversation(messages)));
    }

    /// <summary>A renderer for the tokenizer's chat template, or null when the model has none.</summary>
    public static ChatTemplateRenderer? TryCreate(QwenTokenizer tokenizer) =>
        tokenizer.ChatTemplate is null ? null : new ChatTemplateRenderer(tokenizer.ChatTemplate, tokenizer.BosToken, tokenizer.EosToken);

    /// <summary>How the template reads a message's content, which decides how <see cref="Render"/> passes content parts.</summary>
    public ChatContentFormat ContentFormat => _template.ContentFormat;

    /// <summary>The OpenAI API's messages (what the gateway and gRPC clients send) through the chat template.</summary>
    /// <exception cref="ChatTemplateException">Invalid JSON, a message the template cannot take, or the template raised an error.</exception>
    public string Render(ChatTemplateInput input)
    {
        var conversation = Conversation(Messages(input));
        _roles.Require(conversation);
        return Render(input, conversation);
    }

    /// <summary>The messages through the chat template exactly as sent, as transformers' apply_chat_template renders them.</summary>
    /// <exception cref="ChatTemplateException">Invalid JSON, or the template raised an error.</exception>
    public string RenderAsSent(ChatTemplateInput input) => Render(input, Messages(input));

    private List<object?> Conversation(List<object?> messages) => ChatConversation.From(messages, _template.ContentFormat, _developerAsSystem);

    private static List<object?> Messages(ChatTemplateInput input) =>
        ParseJson("messages_json", input.MessagesJson) as List<object?>
            ?? throw new ChatTemplateException("messages_json must be a JSON array of messages");

    private string Render(ChatTemplateInput input, List<object?> messages)
    {
        if (input.ContinueFinalMessage && input.AddGenerationPrompt)
        {
            throw new ChatTemplateException(
                "continue_final_message and add_generation_prompt cannot both be true: continue the final message, or open a new assistant turn");
        }

        var finalText = input.ContinueFinalMessage ? FinalMessageText(messages) : null;
        var variables = new List<KeyValuePair<string, object?>>
        {
            new("messages", messages),
            new("add_generation_prompt", input.AddGenerationPrompt),
            new("bos_token", _bosToken ?? ""),
            new("eos_token", _eosToken ?? ""),
        };
        if (input.ToolsJson is not null)
        {
            object? tools = ParseJson("tools_json", input.ToolsJson);
            if (tools is not (List<object?> or null))
            {
                throw new ChatTemplateException("tools_json must be a JSON array of tools");
            }
            if (tools is not null)
            {
                variables.Add(new("tools", tools));
            }
        }
        if (input.TemplateKwargsJson is not null)
        {
            if (ParseJson("template_kwargs_json", input.TemplateKwargsJson) is not OrderedDictionary<string, object?> kwargs)
            {
                throw new ChatTemplateException("template_kwargs_json must be a JSON object");
            }
            variables.AddRange(kwargs);
        }
        string rendered;
        try
        {
            rendered = _template.Render(variables);
        }
        catch (TemplateException e)
        {
            throw new ChatTemplateException(e.Message, e);
        }

        return finalText is null ? rendered : CutAfterFinalMessage(rendered, finalText);
    }

    /// <summary>
    /// transformers' cut: at the last occurrence of the final message's text (stripped); the message's own trailing
    /// whitespace is kept when the template kept it.
    /// </summary>
    private static string CutAfterFinalMessage(string rendered, string final)
    {
        var stripped = final.Trim();
        var at = rendered.LastIndexOf(stripped, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new ChatTemplateException(
                "continue_final_message is set but the final message does not appear in the rendered chat (the chat template changed it)");
        }

        // As transformers compares it: the whole message, trailing whitespace included, where it starts with no whitespace.
        var keepsWhole = final.Length == final.TrimStart().Length
            && at + final.Length <= rendered.Length
            && string.CompareOrdinal(rendered, at, final, 0, final.Length) == 0;
        return rendered[..(at + (keepsWhole ? final.Length : stripped.Length))];
    }

    /// <summary>
    /// The final message's content: a string, or the last text part of a list of parts. Empty text is refused: every
    /// rendered prompt contains it, so the cut would keep the closed turn rather than continue it.
    /// </summary>
    private static string FinalMessageText(List<object?> messages)
    {
        var content = messages.Count > 0 && messages[^1] is OrderedDictionary<string, object?> last
            ? last.GetValueOrDefault("content")
            : null;
        if (content is string { Length: > 0 } text)
        {
            return text;
        }

        if (content is List<object?> parts)
        {
            for (var i = parts.Count - 1; i >= 0; i--)
            {
                if (parts[i] is OrderedDictionary<string, object?> part && part.GetValueOrDefault("text") is string { Length: > 0 } partText)
                {
                    return partText;
                }
            }
        }

        throw new ChatTemplateException("continue_final_message is set but the final message has no text to continue");
    }

    private static object? ParseJson(string field, string json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 128 });
            return JsonValues.FromJson(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new ChatTemplateException($"{field} is not valid JSON: {e.Message}", e);
        }
    }
}

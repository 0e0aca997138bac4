using System.Text.Json;
using Inference.Abstractions.Text;

namespace Tokenizer.Core.Templating;

/// <summary>
/// Renders the model's chat template the way transformers' apply_chat_template does: variables messages,
/// tools (undefined when none), add_generation_prompt, bos_token, eos_token, then the template kwargs.
/// </summary>
public sealed class ChatTemplateRenderer
{
    private readonly JinjaTemplate _template;
    private readonly string? _bosToken;
    private readonly string? _eosToken;

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
    }

    /// <summary>A renderer for the tokenizer's chat template, or null when the model has none.</summary>
    public static ChatTemplateRenderer? TryCreate(QwenTokenizer tokenizer) =>
        tokenizer.ChatTemplate is null ? null : new ChatTemplateRenderer(tokenizer.ChatTemplate, tokenizer.BosToken, tokenizer.EosToken);

    /// <exception cref="ChatTemplateException">Invalid JSON, or the template raised an error.</exception>
    public string Render(ChatTemplateInput input)
    {
        object? messages = ParseJson("messages_json", input.MessagesJson);
        if (messages is not List<object?>)
        {
            throw new ChatTemplateException("messages_json must be a JSON array of messages");
        }
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
        try
        {
            return _template.Render(variables);
        }
        catch (TemplateException e)
        {
            throw new ChatTemplateException(e.Message, e);
        }
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

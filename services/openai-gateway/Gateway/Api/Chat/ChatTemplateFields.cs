using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Inference.Abstractions.Text;

namespace Gateway.Api.Chat;

/// <summary>The chat template's inputs from a chat or /tokenize body: messages, tools and the template switches.</summary>
public static class ChatTemplateFields
{
    /// <summary>The fields besides messages that only the chat template reads.</summary>
    public static readonly string[] TemplateOnly = ["tools", "documents", "add_generation_prompt", "continue_final_message", "chat_template_kwargs", "chat_template"];

    /// <summary>
    /// add_generation_prompt defaults to true (false for the embeddings' chat-style input, as vLLM's), and to false with
    /// continue_final_message, which continues the final message instead of opening a new turn (asking for both is a 400,
    /// as in vLLM). add_special_tokens defaults to false, as vLLM's chat: the template writes BOS itself.
    /// </summary>
    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate: a request's chat_template is used; otherwise it is a 400.</param>
    /// <param name="addGenerationPromptByDefault">add_generation_prompt when the request leaves it unset (and does not continue the final message).</param>
    public static ChatTemplateInput Read(RequestFields fields, bool trustRequestTemplate, bool addGenerationPromptByDefault = true)
    {
        var messages = ChatMessages.Read(fields);
        var tools = fields.Array("tools", "an array of tool definitions");
        var continueFinal = fields.Bool("continue_final_message") ?? false;
        var addGenerationPrompt = fields.Bool("add_generation_prompt");
        if (continueFinal && addGenerationPrompt == true)
        {
            throw ApiException.BadRequest(
                "continue_final_message and add_generation_prompt cannot both be true: continue the final message, or open a new assistant turn.",
                "continue_final_message");
        }

        return new ChatTemplateInput(
            messages.GetRawText(),
            tools?.GetRawText(),
            addGenerationPrompt ?? (addGenerationPromptByDefault && !continueFinal),
            TemplateKwargs(fields),
            continueFinal,
            fields.Bool("add_special_tokens") ?? false,
            RequestTemplate(fields, trustRequestTemplate));
    }

    /// <summary>vLLM's per-request chat_template: a Jinja template, used only when the operator trusts request templates.</summary>
    private static string? RequestTemplate(RequestFields fields, bool trusted)
    {
        if (fields.String("chat_template") is not { } template)
        {
            return null;
        }

        if (!trusted)
        {
            throw ApiException.BadRequest(
                "chat_template is refused: this server does not trust request chat templates (vLLM's --trust-request-chat-template: serve --trust-request-chat-template, Gateway:TrustRequestChatTemplate).",
                "chat_template");
        }

        Sampling.SamplingFields.Require(template.Length > 0, "chat_template", "chat_template must not be empty.");
        return template;
    }

    /// <summary>
    /// The template's extra variables: vLLM's documents (for RAG templates) as <c>documents</c>, then
    /// chat_template_kwargs, which win over it as in vLLM. Null when there are none.
    /// </summary>
    private static string? TemplateKwargs(RequestFields fields)
    {
        var kwargs = fields.Object("chat_template_kwargs")?.Root;
        if (fields.Array("documents", "an array of documents") is not { } documents)
        {
            return kwargs?.GetRawText();
        }

        var index = 0;
        foreach (var document in documents.EnumerateArray())
        {
            if (document.ValueKind != JsonValueKind.Object || document.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            {
                throw ApiException.BadRequest($"documents[{index}] must be an object of strings (such as title and text).", "documents");
            }

            index++;
        }

        var merged = new JsonObject { ["documents"] = JsonNode.Parse(documents.GetRawText()) };
        if (kwargs is { } overrides)
        {
            foreach (var property in overrides.EnumerateObject())
            {
                merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        return merged.ToJsonString();
    }
}

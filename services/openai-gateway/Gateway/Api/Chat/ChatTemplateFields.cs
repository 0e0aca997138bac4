using Gateway.Api.Errors;
using Gateway.Api.Json;
using Inference.Abstractions.Text;

namespace Gateway.Api.Chat;

/// <summary>The chat template's inputs from a chat or /tokenize body: messages, tools and the template switches.</summary>
internal static class ChatTemplateFields
{
    /// <summary>The fields besides messages that only the chat template reads.</summary>
    public static readonly string[] TemplateOnly = ["tools", "add_generation_prompt", "continue_final_message", "chat_template_kwargs"];

    /// <summary>
    /// add_generation_prompt defaults to true, except with continue_final_message, which continues the final message
    /// instead of opening a new turn (asking for both is a 400, as in vLLM). add_special_tokens defaults to false, as
    /// vLLM's chat: the template writes BOS itself.
    /// </summary>
    public static ChatTemplateInput Read(RequestFields fields)
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
            addGenerationPrompt ?? !continueFinal,
            fields.Object("chat_template_kwargs")?.Root.GetRawText(),
            continueFinal,
            fields.Bool("add_special_tokens") ?? false);
    }
}

using Inference.Abstractions.Text;
using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Backends;

namespace Gateway.Api.Chat;

/// <summary>A validated <c>POST /v1/chat/completions</c> body.</summary>
/// <param name="Model">The requested model, or null for the served one.</param>
/// <param name="Prompt">The messages, tools and template variables, as the client's JSON.</param>
/// <param name="Sampling">How to generate.</param>
/// <param name="TopLogprobs">Alternatives per token to return, or null for no logprobs.</param>
/// <param name="ParseToolCalls">Tools were offered and tool_choice allows calling them.</param>
/// <param name="Stream">Streaming settings.</param>
/// <param name="Priority">vLLM's priority extra.</param>
public sealed record ChatRequest(
    string? Model,
    ChatPrompt Prompt,
    GenerationParams Sampling,
    int? TopLogprobs,
    bool ParseToolCalls,
    StreamSettings Stream,
    int Priority)
{
    public static ChatRequest Read(RequestFields fields)
    {
        var messages = ReadMessages(fields);
        JsonElement? tools = fields.Raw("tools") switch
        {
            null => null,
            { ValueKind: JsonValueKind.Array } array => array,
            { } other => throw RequestFields.WrongType("tools", "an array of tool definitions", other),
        };
        var toolChoice = ReadToolChoice(fields);
        var format = fields.Object("response_format")?.String("type") ?? "text";
        SamplingFields.Require(format == "text", "response_format",
            $"response_format of type {format} is not supported yet (no guided decoding); only \"text\" is.");
        var templateKwargs = fields.Object("chat_template_kwargs");

        // max_completion_tokens replaced max_tokens in OpenAI's chat API; both are honoured, the new one first.
        var maxTokens = fields.Raw("max_completion_tokens") is not null
            ? SamplingFields.ReadMaxTokens(fields, "max_completion_tokens")
            : SamplingFields.ReadMaxTokens(fields, "max_tokens");
        var wantsLogprobs = fields.Bool("logprobs") ?? false;
        var topLogprobs = SamplingFields.ReadLogprobCount(fields, "top_logprobs");
        SamplingFields.Require(wantsLogprobs || fields.Raw("top_logprobs") is null, "top_logprobs",
            "top_logprobs requires logprobs to be true.");

        var prompt = new ChatPrompt(new ChatTemplateInput(
            messages.GetRawText(),
            tools?.GetRawText(),
            fields.Bool("add_generation_prompt") ?? true,
            templateKwargs?.Root.GetRawText()));
        return new ChatRequest(
            fields.String("model"),
            prompt,
            SamplingFields.Read(fields, maxTokens, topLogprobs),
            wantsLogprobs ? topLogprobs : null,
            ParseToolCalls: tools is { } offered && offered.GetArrayLength() > 0 && toolChoice != "none",
            StreamSettings.Read(fields),
            fields.Int("priority") ?? 0);
    }

    /// <summary>A non-empty array of message objects, each with a string role; the rest is the template's business.</summary>
    private static JsonElement ReadMessages(RequestFields fields)
    {
        var messages = fields.Raw("messages") ?? throw ApiException.BadRequest("messages is required.", "messages");
        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw RequestFields.WrongType("messages", "an array of messages", messages);
        }

        SamplingFields.Require(messages.GetArrayLength() > 0, "messages", "messages must hold at least one message.");
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var hasRole = message.ValueKind == JsonValueKind.Object
                && message.TryGetProperty("role", out var role)
                && role.ValueKind == JsonValueKind.String;
            SamplingFields.Require(hasRole, "messages", $"messages[{index}] must be an object with a string role.");
            index++;
        }

        return messages;
    }

    /// <summary>"auto" (the default) or "none"; forcing a call is not supported yet.</summary>
    private static string ReadToolChoice(RequestFields fields)
    {
        var choice = fields.Raw("tool_choice") switch
        {
            null => "auto",
            { ValueKind: JsonValueKind.String } text => text.GetString()!,
            _ => "forced",
        };
        SamplingFields.Require(choice is "auto" or "none", "tool_choice",
            $"tool_choice must be \"auto\" or \"none\" (forcing a tool call is not supported yet), got {choice}.");
        return choice;
    }
}

using Inference.Abstractions.Text;
using System.Text.Json;
using Gateway.Api.Fields;
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
/// <param name="MaxToolCalls">How many parsed tool calls an answer returns: 1 with parallel_tool_calls false, as vLLM does.</param>
public sealed record ChatRequest(
    string? Model,
    ChatPrompt Prompt,
    GenerationParams Sampling,
    int? TopLogprobs,
    bool ParseToolCalls,
    StreamSettings Stream,
    int Priority,
    int MaxToolCalls)
{
    public static ChatRequest Read(RequestFields fields)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Chat);
        var messages = ChatMessages.Read(fields);
        var tools = fields.Array("tools", "an array of tool definitions");
        // The field table let only "auto" and "none" through.
        var toolChoice = fields.String("tool_choice") ?? "auto";
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
            fields.Int("priority") ?? 0,
            fields.Bool("parallel_tool_calls") == false ? 1 : int.MaxValue);
    }
}

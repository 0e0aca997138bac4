using Inference.Abstractions.Text;
using System.Text.Json;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Api.Tools;
using Gateway.Backends;

namespace Gateway.Api.Chat;

/// <summary>A validated <c>POST /v1/chat/completions</c> body.</summary>
/// <param name="Model">The requested model, or null for the served one.</param>
/// <param name="Prompt">The messages, tools and template variables, as the client's JSON.</param>
/// <param name="Sampling">How to generate.</param>
/// <param name="TopLogprobs">Alternatives per token to return, or null for no logprobs.</param>
/// <param name="ToolCalls">How tool calls are read out of the answers; null when no tools were offered or tool_choice is "none".</param>
/// <param name="Stream">Streaming settings.</param>
/// <param name="Priority">vLLM's priority extra.</param>
/// <param name="Echo">With echo, the final message's text when it is the assistant's (the role of the answer), which
/// then leads each choice's content, as vLLM does; otherwise null.</param>
/// <param name="TokensAsIds">vLLM's return_tokens_as_token_ids: logprobs name tokens "token_id:{id}".</param>
/// <param name="ReturnTokenIds">vLLM's return_token_ids: the response carries the prompt's ids, each choice its generated ids.</param>
/// <param name="RequestId">vLLM's request_id, or null.</param>
/// <param name="IncludeReasoning">vLLM's include_reasoning: false leaves what a reasoning parser split off out of the answer.</param>
public sealed record ChatRequest(
    string? Model,
    ChatPrompt Prompt,
    GenerationParams Sampling,
    int? TopLogprobs,
    ToolCallExtraction? ToolCalls,
    StreamSettings Stream,
    int Priority,
    string? Echo = null,
    bool TokensAsIds = false,
    bool ReturnTokenIds = false,
    string? RequestId = null,
    bool IncludeReasoning = true)
{
    /// <summary>The final message's content when its role is assistant: a string, or its text parts joined by newlines.</summary>
    private static string? FinalAssistantText(string messagesJson)
    {
        using var messages = JsonDocument.Parse(messagesJson);
        var last = messages.RootElement[messages.RootElement.GetArrayLength() - 1];
        if (!last.TryGetProperty("role", out var role) || role.GetString() != "assistant" || !last.TryGetProperty("content", out var content))
        {
            return null;
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString(),
            JsonValueKind.Array => string.Join("\n", content.EnumerateArray()
                .Where(part => part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                .Select(part => part.GetProperty("text").GetString())),
            _ => null,
        };
    }

    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate (see <see cref="ChatTemplateFields.Read"/>).</param>
    public static ChatRequest Read(RequestFields fields, bool trustRequestTemplate = false)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Chat);
        var prompt = new ChatPrompt(ChatTemplateFields.Read(fields, trustRequestTemplate));
        var (toolCalls, toolConstraint) = ToolChoice.Read(fields);

        // max_completion_tokens replaced max_tokens in OpenAI's chat API; both are honoured, the new one first.
        var maxTokens = fields.Raw("max_completion_tokens") is not null
            ? SamplingFields.ReadMaxTokens(fields, "max_completion_tokens")
            : SamplingFields.ReadMaxTokens(fields, "max_tokens");
        var wantsLogprobs = fields.Bool("logprobs") ?? false;
        var topLogprobs = SamplingFields.ReadLogprobCount(fields, "top_logprobs");
        SamplingFields.Require(wantsLogprobs || fields.Raw("top_logprobs") is null, "top_logprobs",
            "top_logprobs requires logprobs to be true.");

        var sampling = SamplingFields.Read(fields, maxTokens, topLogprobs, toolConstraint is not null) with { Prediction = PredictionField.Read(fields) };
        if (toolConstraint is not null)
        {
            SamplingFields.Require(sampling.StructuredOutput is null, "tool_choice",
                "tool_choice \"required\" or a named function constrains the output itself; it cannot be combined with response_format or guided decoding.");
            // guided_whitespace_pattern applies to the calls' JSON, as vLLM's structured outputs take it.
            sampling = sampling with { StructuredOutput = StructuredOutputFields.WithWhitespacePattern(fields, toolConstraint) };
        }

        return new ChatRequest(
            fields.String("model"),
            prompt,
            sampling,
            wantsLogprobs ? topLogprobs : null,
            toolCalls,
            StreamSettings.Read(fields),
            fields.Int("priority") ?? 0,
            fields.Bool("echo") == true ? FinalAssistantText(prompt.Input.MessagesJson) : null,
            fields.Bool("return_tokens_as_token_ids") ?? false,
            fields.Bool("return_token_ids") ?? false,
            SamplingFields.ReadRequestId(fields),
            fields.Bool("include_reasoning") ?? true);
    }
}

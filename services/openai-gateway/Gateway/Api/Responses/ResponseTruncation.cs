using System.Text.Json.Nodes;
using Gateway.Api.Chat;
using Gateway.Backends;
using Inference.Abstractions.Generation;

namespace Gateway.Api.Responses;

/// <summary>
/// The Responses API's <c>truncation: "auto"</c>: when the rendered conversation and max_output_tokens (at least one
/// token) do not fit the served context (max_model_len), the oldest messages after the instructions are dropped, an
/// assistant's tool calls together with the tool answers that follow them, until they do; the last message always
/// stays. What fits is measured by rendering and tokenizing the candidate prompt, as the engine will, for the fewest
/// drops that fit (a binary search). The stored conversation keeps every message: only this run's prompt is cut.
/// </summary>
public static class ResponseTruncation
{
    public static async Task<ChatRequest> FitAsync(
        ChatRequest chat, int? maxOutputTokens, ITokenizerService tokenizer, ServedModel servedModel, CancellationToken cancellationToken)
    {
        var input = ((ChatPrompt)chat.Prompt).Input;
        var messages = (JsonArray)JsonNode.Parse(input.MessagesJson)!;
        var limit = (await servedModel.GetAsync(cancellationToken)).MaxModelLen - Math.Max(1, maxOutputTokens ?? 1);
        var first = messages.Count > 0 && (string?)messages[0]!["role"] == "system" ? 1 : 0;

        // Where the conversation may start after dropping k units: a unit is one message, and a tool answer goes
        // with the call before it. starts[k] is the first kept message with k units dropped.
        var starts = new List<int>();
        for (var i = first; i < messages.Count - 1;)
        {
            starts.Add(i);
            i++;
            while (i < messages.Count - 1 && (string?)messages[i]!["role"] == "tool")
            {
                i++;
            }
        }

        starts.Add(messages.Count - 1);
        if (await TokensAsync(0) <= limit)
        {
            return chat;
        }

        // The fewest drops that fit; none fits: keep only the instructions and the last message (the engine then
        // refuses it as too long, naming the field).
        int low = 1, high = starts.Count - 1;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (await TokensAsync(middle) <= limit)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return chat with { Prompt = new ChatPrompt(input with { MessagesJson = Kept(high).ToJsonString() }) };

        async Task<int> TokensAsync(int dropped) =>
            (await tokenizer.ApplyChatTemplateAsync(input with { MessagesJson = Kept(dropped).ToJsonString() }, cancellationToken)).Count;

        JsonArray Kept(int dropped) =>
            [.. messages.Take(first).Concat(messages.Skip(starts[dropped])).Select(m => m!.DeepClone())];
    }
}

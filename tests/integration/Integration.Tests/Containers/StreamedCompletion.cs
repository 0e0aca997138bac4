using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Integration.Tests.Containers;

/// <summary>What one streamed <c>/v1/completions</c> request produced.</summary>
public sealed record StreamedCompletion(string Text, string? FinishReason, int? CompletionTokens)
{
    /// <summary>
    /// Greedy, <c>ignore_eos</c>, streamed with usage: reads the server-sent events to <c>[DONE]</c>, and completes
    /// <paramref name="firstText"/> when the first text arrives.
    /// </summary>
    public static async Task<StreamedCompletion> RunAsync(
        HttpClient http, string prompt, int maxTokens, TaskCompletionSource? firstText, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new
            {
                model = "model",
                prompt,
                max_tokens = maxTokens,
                temperature = 0,
                ignore_eos = true,
                stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var text = new StringBuilder();
        string? finishReason = null;
        int? completionTokens = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line["data: ".Length..];
            if (data == "[DONE]") return new StreamedCompletion(text.ToString(), finishReason, completionTokens);

            using var chunk = JsonDocument.Parse(data);
            if (chunk.RootElement.TryGetProperty("error", out var error))
            {
                throw new HttpRequestException($"error event: {error}");
            }

            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                text.Append(choice.GetProperty("text").GetString());
                if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
                {
                    finishReason = finish.GetString();
                }
            }

            if (text.Length > 0) firstText?.TrySetResult();
            if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }
        }

        throw new HttpRequestException($"the stream ended without [DONE] after {text.Length} characters");
    }
}

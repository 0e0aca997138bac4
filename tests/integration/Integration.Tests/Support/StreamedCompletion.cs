using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Integration.Tests.Support;

/// <summary>One greedy, <c>ignore_eos</c> <c>/v1/completions</c> request: a prompt and how many tokens to generate.</summary>
public sealed record CompletionCall(string Prompt, int MaxTokens)
{
    public override string ToString() => $"{Prompt.Length}-char prompt, {MaxTokens} tokens";
}

/// <summary>
/// What the API answered: the HTTP status, and for a 200 the text, each generated token as the API names it
/// (logprobs.tokens; the HTTP API does not expose token ids) with its logprob, the finish reason and the usage's
/// completion tokens; or the error (the body of a refusal, or a mid-stream error event).
/// </summary>
public sealed record CompletionAnswer(
    HttpStatusCode Status,
    string Text,
    IReadOnlyList<string> Tokens,
    IReadOnlyList<double> Logprobs,
    string? FinishReason,
    string? Error,
    int? CompletionTokens = null)
{
    /// <summary>Greedy logprobs of one token computed in different batches differ by float rounding only (about 1e-6
    /// here); a token read from wrong KV memory differs by far more.</summary>
    public const double LogprobTolerance = 1e-3;

    /// <summary>Null when this answer is the expected one, else what differs.</summary>
    public string? DifferenceFrom(CompletionAnswer expected)
    {
        if (Status != expected.Status || Error != expected.Error) return $"status {Status} ({Error}), expected {expected.Status} ({expected.Error})";
        if (FinishReason != expected.FinishReason) return $"finish_reason {FinishReason}, expected {expected.FinishReason}";
        if (!Tokens.SequenceEqual(expected.Tokens))
        {
            var at = Enumerable.Range(0, Math.Min(Tokens.Count, expected.Tokens.Count)).FirstOrDefault(i => Tokens[i] != expected.Tokens[i], Math.Min(Tokens.Count, expected.Tokens.Count));
            return $"{Tokens.Count} tokens, expected {expected.Tokens.Count}; first difference at token {at}: " +
                $"{Json(Tokens.Skip(at).Take(3))} instead of {Json(expected.Tokens.Skip(at).Take(3))}";
        }
        if (Text != expected.Text) return $"text {Json(Text)}, expected {Json(expected.Text)}";
        for (var i = 0; i < Logprobs.Count; i++)
        {
            if (Math.Abs(Logprobs[i] - expected.Logprobs[i]) > LogprobTolerance)
                return $"token {i} ({Json(Tokens[i])}) has logprob {Logprobs[i]}, expected {expected.Logprobs[i]}";
        }
        return null;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}

/// <summary>Streams one completion (SSE, with usage) with raw HttpClient and collects the answer to <c>[DONE]</c>;
/// can report its first token.</summary>
public static class StreamedCompletion
{
    public static async Task<CompletionAnswer> RunAsync(HttpClient http, CompletionCall call, CancellationToken cancellationToken, Action? firstToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new
            {
                prompt = call.Prompt,
                max_tokens = call.MaxTokens,
                temperature = 0,
                ignore_eos = true,
                logprobs = 0,
                stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            return new CompletionAnswer(response.StatusCode, "", [], [], null, await response.Content.ReadAsStringAsync(cancellationToken));

        var text = new StringBuilder();
        var tokens = new List<string>();
        var logprobs = new List<double>();
        string? finish = null;
        string? error = null;
        int? completionTokens = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line["data: ".Length..];
            if (data == "[DONE]") break;
            using var chunk = JsonDocument.Parse(data);
            if (chunk.RootElement.TryGetProperty("error", out var problem))
            {
                error = problem.GetRawText();
                continue;
            }
            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                text.Append(choice.GetProperty("text").GetString());
                if (choice.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.Object)
                {
                    foreach (var token in lp.GetProperty("tokens").EnumerateArray()) tokens.Add(token.GetString()!);
                    foreach (var value in lp.GetProperty("token_logprobs").EnumerateArray()) logprobs.Add(value.GetDouble());
                    if (tokens.Count > 0 && firstToken is not null)
                    {
                        firstToken();
                        firstToken = null;
                    }
                }
                if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String) finish = reason.GetString();
            }
            if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }
        }
        return new CompletionAnswer(response.StatusCode, text.ToString(), tokens, logprobs, finish, error, completionTokens);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Integration.Tests.Support;

namespace Integration.Tests.Fleet;

/// <summary>A greedy <c>/v1/chat/completions</c> request (raw HttpClient, logprobs on, EOS ignored), whole answer.</summary>
public sealed record ChatCall(string System, string User, int MaxTokens)
{
    public override string ToString() => $"{System.Length}-char system prompt, user \"{User}\", {MaxTokens} tokens";

    public async Task<CompletionAnswer> RunAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/v1/chat/completions", new
        {
            messages = new[] { new { role = "system", content = System }, new { role = "user", content = User } },
            max_tokens = MaxTokens,
            temperature = 0,
            ignore_eos = true,
            logprobs = true,
        }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK) return new CompletionAnswer(response.StatusCode, "", [], [], null, body);

        using var json = JsonDocument.Parse(body);
        var choice = json.RootElement.GetProperty("choices")[0];
        var content = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToArray();
        return new CompletionAnswer(
            response.StatusCode,
            choice.GetProperty("message").GetProperty("content").GetString() ?? "",
            // The token's bytes name it more exactly than its text (several byte tokens print as U+FFFD).
            content.Select(t => t.GetProperty("token").GetString() + "|" + t.GetProperty("bytes").GetRawText()).ToArray(),
            content.Select(t => t.GetProperty("logprob").GetDouble()).ToArray(),
            choice.GetProperty("finish_reason").GetString(),
            null);
    }
}

using System.Text.Json;
using Integration.Tests.Lora;
using Integration.Tests.Support;

namespace Integration.Tests;

/// <summary>
/// OpenAI's Predicted Outputs through the real services, with no --speculative-config: a chat answer given its own
/// text as the prediction is the same answer, its tokens came as accepted drafts (vLLM's spec_decode counters), and
/// usage.completion_tokens_details counts them; a prediction that goes wrong halfway changes nothing in the answer.
/// </summary>
public sealed class PredictedOutputsApiTests(ServedSystem system) : IClassFixture<ServedSystem>
{
    [Fact]
    public async Task ChatWithItsOwnAnswerAsPrediction_IsTheSameAnswer_FromAcceptedDrafts()
    {
        using var http = LoraRequests.Http(system);
        var plain = await ChatAsync(http, prediction: null);
        var text = Content(plain);
        var before = await AcceptedAsync(http);

        var predicted = await ChatAsync(http, new { type = "content", content = text });

        Assert.Equal(text, Content(predicted));
        var usage = predicted.GetProperty("usage");
        var completionTokens = usage.GetProperty("completion_tokens").GetInt32();
        var details = usage.GetProperty("completion_tokens_details");
        Assert.Equal(completionTokens, details.GetProperty("accepted_prediction_tokens").GetInt32());
        Assert.True(await AcceptedAsync(http) - before >= completionTokens / 2, "the prediction's drafts were hardly accepted");
        Assert.False(plain.GetProperty("usage").TryGetProperty("completion_tokens_details", out _));
    }

    [Fact]
    public async Task ChatWithAPredictionThatGoesWrong_IsTheSameAnswer()
    {
        using var http = LoraRequests.Http(system);
        var text = Content(await ChatAsync(http, prediction: null));
        var wrong = text[..(text.Length / 2)] + " and then something else entirely";

        var predicted = await ChatAsync(http, new { type = "content", content = new object[] { new { type = "text", text = wrong } } });

        Assert.Equal(text, Content(predicted));
        var details = predicted.GetProperty("usage").GetProperty("completion_tokens_details");
        Assert.True(details.GetProperty("rejected_prediction_tokens").GetInt32() > 0);
    }

    private static async Task<JsonElement> ChatAsync(HttpClient http, object? prediction)
    {
        var messages = new[] { new { role = "user", content = "Tell me a story about a fox." } };
        object body = prediction is null
            ? new { messages, max_tokens = 40, temperature = 0, ignore_eos = true }
            : new { messages, max_tokens = 40, temperature = 0, ignore_eos = true, prediction };
        return await ApiCalls.PostAsync(http, "/v1/chat/completions", body);
    }

    private static string Content(JsonElement response) =>
        response.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    private static async Task<double> AcceptedAsync(HttpClient http) =>
        PrometheusText.Samples(await PrometheusText.ScrapeAsync(http, CancellationToken.None), "vllm:spec_decode_num_accepted_tokens_total").Sum(s => s.Value);
}

using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>OpenAI's prediction (Predicted Outputs) on chat: its text reaches the scheduler, its counts come back in usage.completion_tokens_details.</summary>
public sealed class PredictionRequestTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Chat_PredictionString_ReachesTheSchedulerAndItsCountsTheUsage()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"predicted string"}],"prediction":{"type":"content","content":"Hello, world and more"}}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("Hello, world and more", Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("predicted string") == true).Prediction);
        var details = answer.Json.GetProperty("usage").GetProperty("completion_tokens_details");
        // The fake answers in 3 pieces and counts the prediction's 21 characters as its tokens.
        Assert.Equal(3, details.GetProperty("accepted_prediction_tokens").GetInt32());
        Assert.Equal(18, details.GetProperty("rejected_prediction_tokens").GetInt32());
    }

    [Fact]
    public async Task Chat_PredictionTextParts_AreJoined_AndStreamedUsageCarriesTheCounts()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"predicted parts"}],"stream":true,"stream_options":{"include_usage":true},"prediction":{"type":"content","content":[{"type":"text","text":"Hello, "},{"type":"text","text":"world"}]}}""");

        Assert.Equal("Hello, world", Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("predicted parts") == true).Prediction);
        var details = answer.SseChunks[^1].GetProperty("usage").GetProperty("completion_tokens_details");
        Assert.Equal((3, 9), (details.GetProperty("accepted_prediction_tokens").GetInt32(), details.GetProperty("rejected_prediction_tokens").GetInt32()));
    }

    [Fact]
    public async Task Chat_WithoutPrediction_HasNoCompletionTokensDetails()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"no prediction"}]}""");

        Assert.Equal("", Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("no prediction") == true).Prediction);
        Assert.False(answer.Json.GetProperty("usage").TryGetProperty("completion_tokens_details", out _));
    }

    [Theory]
    [InlineData("""{"type":"text","content":"x"}""", "prediction.type must be \"content\"")]
    [InlineData("""{"content":"x"}""", "prediction.type must be \"content\", got nothing")]
    [InlineData("""{"type":"content","content":3}""", "prediction.content must be a string or an array of text parts")]
    [InlineData("""{"type":"content","content":[{"type":"image_url","image_url":{"url":"x"}}]}""", "prediction.content[0] must be a text part")]
    [InlineData("""{"type":"content","content":"x","extra":1}""", "prediction.extra is not a field of a prediction")]
    [InlineData("\"x\"", "prediction must be an object")]
    public async Task Chat_MalformedPrediction_IsA400NamingIt(string prediction, string message)
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions",
            $$"""{"messages":[{"role":"user","content":"bad prediction"}],"prediction":{{prediction}}}""");

        Assert.Equal(400, answer.Status);
        var error = answer.Json.GetProperty("error");
        Assert.Equal("prediction", error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
    }
}

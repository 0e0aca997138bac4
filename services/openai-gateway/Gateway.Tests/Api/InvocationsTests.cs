using System.Text;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Common.V1;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// <c>POST /invocations</c> (vLLM's route for SageMaker-style hosts) runs each body on the endpoint its shape names,
/// exactly as that endpoint answers it: the same fields, refusals and streaming.
/// </summary>
public sealed class InvocationsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Messages_AreAChatCompletion()
    {
        var answer = await host.Http.PostJsonAsync("/invocations", """{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 3}""");
        var direct = await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 3}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("chat.completion", answer.Json.GetProperty("object").GetString());
        Assert.Equal(
            direct.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            answer.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(3, host.Scheduler.Requests.Last().Stopping.MaxTokens);
    }

    [Fact]
    public async Task Prompt_IsACompletion_StreamedWhenAsked()
    {
        var whole = await host.Http.PostJsonAsync("/invocations", """{"prompt": "invocation prompt"}""");
        var streamed = await host.Http.PostJsonAsync("/invocations", """{"prompt": "invocation stream", "stream": true}""");

        Assert.Equal(200, whole.Status);
        Assert.Equal("text_completion", whole.Json.GetProperty("object").GetString());
        Assert.Equal("Hello, world", whole.Json.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal("text/event-stream", streamed.MediaType);
        Assert.Equal("Hello, world", string.Concat(streamed.SseChunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString())));
        Assert.Contains(host.Scheduler.Requests, r => r.Text == "invocation prompt");
    }

    [Fact]
    public async Task Input_IsAnEmbeddingsRequest()
    {
        var answer = await host.Http.PostJsonAsync("/invocations", """{"input": ["abc", "abcd"]}""");

        Assert.Equal(200, answer.Status);
        var data = answer.Json.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["embedding", "embedding"], data.Select(d => d.GetProperty("object").GetString()));
        Assert.Equal(FakeScheduler.ExpectedEmbedding(3), data[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public async Task TextPairs_AreScored_AndQueryWithDocumentsReranked()
    {
        var score = await host.Http.PostJsonAsync("/invocations", """{"text_1": "a", "text_2": ["b", "c"]}""");
        var rerank = await host.Http.PostJsonAsync("/invocations", """{"query": "a", "documents": ["b", "c"]}""");

        Assert.Equal(200, score.Status);
        Assert.Equal(["score", "score"], score.Json.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("object").GetString()));
        Assert.Equal(200, rerank.Status);
        Assert.Equal(2, rerank.Json.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task TheChosenEndpointsRefusals_NameItsFields()
    {
        var badChat = await host.Http.PostJsonAsync("/invocations", """{"messages": [{"role": "user", "content": "Hi"}], "n": 0}""");
        var halfScore = await host.Http.PostJsonAsync("/invocations", """{"text_1": "a"}""");

        Assert.Equal(400, badChat.Status);
        Assert.Equal("n", badChat.ErrorParam);
        Assert.Equal(400, halfScore.Status);
        Assert.Equal("text_2", halfScore.ErrorParam);
    }

    [Fact]
    public async Task ABodyOfNoKnownShape_IsA400ListingTheFields()
    {
        var answer = await host.Http.PostJsonAsync("/invocations", """{"model": "qwen-fake", "text": "hi"}""");

        Assert.Equal(400, answer.Status);
        var message = answer.Error.GetProperty("message").GetString()!;
        Assert.Contains("messages", message, StringComparison.Ordinal);
        Assert.Contains("prompt", message, StringComparison.Ordinal);
        Assert.Contains("input", message, StringComparison.Ordinal);
        Assert.Contains("query and documents", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotJson_IsRefusedAsEveryEndpointRefusesIt()
    {
        var malformed = await host.Http.PostJsonAsync("/invocations", """{"prompt": """);
        using var text = new StringContent("""{"prompt": "x"}""", Encoding.UTF8, "text/plain");
        using var wrongType = await host.Http.PostAsync("/invocations", text);

        Assert.Equal(400, malformed.Status);
        Assert.Equal(415, (int)wrongType.StatusCode);
    }
}

/// <summary>On a sequence classifier, <c>messages</c> and <c>input</c> bodies sent to <c>/invocations</c> are classify requests, as vLLM routes them.</summary>
public sealed class ClassifierInvocationsTests : IClassFixture<GatewayHost>
{
    private readonly GatewayHost _host;

    public ClassifierInvocationsTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.Classifier = FakeScheduler.SentimentClassifier();
        _host.Scheduler.EmbedScript = (request, _) => Task.FromResult(new EmbedResponse
        {
            RequestId = request.RequestId,
            Embedding = { 0f, MathF.Log(3) },
            PromptTokens = 2,
        });
    }

    [Theory]
    [InlineData("""{"input": "good"}""")]
    [InlineData("""{"messages": [{"role": "user", "content": "good"}]}""")]
    public async Task InputAndMessages_AreClassified(string json)
    {
        var answer = await _host.Http.PostJsonAsync("/invocations", json);

        Assert.Equal(200, answer.Status);
        var data = answer.Json.GetProperty("data")[0];
        Assert.Equal("positive", data.GetProperty("label").GetString());
        Assert.Equal(0.75, Math.Round(data.GetProperty("probs")[1].GetDouble(), 6));
        Assert.Equal(PoolingTask.Classify, _host.Scheduler.EmbedRequests.Last().Task);
    }
}

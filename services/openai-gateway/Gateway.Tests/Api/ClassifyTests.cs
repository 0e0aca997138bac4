using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Common.V1;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// <c>POST /classify</c> with a two-label classifier, as vLLM's classification API answers: each input's logits (the
/// scheduler's Embed with task classify) through the model's softmax, the most probable label, and usage; score and
/// rerank, which need a one-label cross-encoder, are refused pointing at classify.
/// </summary>
public sealed class ClassifyTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public ClassifyTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.Classifier = FakeScheduler.SentimentClassifier();
        _host.Scheduler.ResetEmbeds();
        // Text "good..." has logits [0, ln 3] (probabilities 1/4, 3/4), any other text [ln 3, 0].
        _host.Scheduler.EmbedScript = (request, _) => Task.FromResult(new EmbedResponse
        {
            RequestId = request.RequestId,
            Embedding = { request.Text.StartsWith("good", StringComparison.Ordinal) ? [0f, MathF.Log(3)] : [MathF.Log(3), 0f] },
            PromptTokens = request.Text.Length,
        });
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Theory]
    [InlineData("/classify")]
    [InlineData("/v1/classify")]
    public async Task Inputs_AnswerProbabilitiesAndTheMostProbableLabel(string path)
    {
        var answer = await _host.Http.PostJsonAsync(path, """{"input": ["good film", "bad"], "request_id": "c1"}""");

        Assert.Equal(200, answer.Status);
        var body = answer.Json;
        Assert.Equal("classify-c1", body.GetProperty("id").GetString());
        Assert.Equal("list", body.GetProperty("object").GetString());
        var data = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["positive", "negative"], data.Select(d => d.GetProperty("label").GetString()));
        Assert.Equal([0.25, 0.75], data[0].GetProperty("probs").EnumerateArray().Select(p => Math.Round(p.GetDouble(), 6)));
        Assert.Equal([0.75, 0.25], data[1].GetProperty("probs").EnumerateArray().Select(p => Math.Round(p.GetDouble(), 6)));
        Assert.All(data, d => Assert.Equal(2, d.GetProperty("num_classes").GetInt32()));
        Assert.Equal(12, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(0, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var sent = _host.Scheduler.EmbedRequests.ToArray();
        Assert.All(sent, r => Assert.Equal(PoolingTask.Classify, r.Task));
        Assert.All(sent, r => Assert.False(r.HasNormalize || r.HasDimensions));
        Assert.Equal(["classify-c1-0", "classify-c1-1"], sent.Select(r => r.RequestId).Order());
    }

    [Fact]
    public async Task UseActivationFalse_AnswersTheRawLogits()
    {
        var answer = await _host.Http.PostJsonAsync("/classify", """{"input": "good", "use_activation": false}""");

        var probs = answer.Json.GetProperty("data")[0].GetProperty("probs").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal([0, Math.Log(3)], probs, (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal("positive", answer.Json.GetProperty("data")[0].GetProperty("label").GetString());
    }

    [Fact]
    public async Task Messages_AreOneChatStyleInput()
    {
        var answer = await _host.Http.PostJsonAsync("/classify", """{"messages": [{"role": "user", "content": "good"}]}""");

        Assert.Equal(200, answer.Status);
        Assert.Single(answer.Json.GetProperty("data").EnumerateArray());
        var sent = Assert.Single(_host.Scheduler.EmbedRequests);
        Assert.Equal(EmbedRequest.PromptOneofCase.Chat, sent.PromptCase);
        Assert.Equal(PoolingTask.Classify, sent.Task);
        Assert.False(sent.Chat.AddGenerationPrompt);
    }

    [Fact]
    public async Task Pooling_DefaultsToTheClassifyTask()
    {
        var answer = await _host.Http.PostJsonAsync("/pooling", """{"input": ["good", "bad"]}""");
        var embed = await _host.Http.PostJsonAsync("/pooling", """{"input": "good", "task": "embed"}""");

        Assert.Equal(200, answer.Status);
        Assert.Matches("^pool-[0-9a-f]{32}$", answer.Json.GetProperty("id").GetString());
        var data = answer.Json.GetProperty("data").EnumerateArray().ToArray();
        Assert.All(data, d => Assert.Equal("pooling", d.GetProperty("object").GetString()));
        Assert.Equal([0.25, 0.75], data[0].GetProperty("data").EnumerateArray().Select(p => Math.Round(p.GetDouble(), 6)));
        Assert.Equal(400, embed.Status);
        Assert.Equal("task", embed.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("/score", """{"text_1": "a", "text_2": "b"}""")]
    [InlineData("/rerank", """{"query": "a", "documents": ["b"]}""")]
    public async Task ScoringWithTwoLabels_IsA400PointingAtClassify(string path, string json)
    {
        var answer = await _host.Http.PostJsonAsync(path, json);

        Assert.Equal(400, answer.Status);
        Assert.Equal("model", answer.Json.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains("/classify", answer.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }
}

/// <summary>
/// Score and rerank with a one-label classifier run each pair as one prompt (text_1 + text_2, special tokens parsed, task
/// classify) and answer its logit through the score activation, as vLLM's cross-encoder scoring does.
/// </summary>
public sealed class CrossEncoderScoreTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public CrossEncoderScoreTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.Classifier = new Classifier
        {
            Labels = { "LABEL_0" },
            ClassifyActivation = ClassifierActivation.Sigmoid,
            ScoreActivation = ClassifierActivation.Sigmoid,
        };
        _host.Scheduler.ResetEmbeds();
        // The logit of a pair is its length minus 10: "q" + a 9-character document scores sigmoid(0) = 0.5.
        _host.Scheduler.EmbedScript = (request, _) => Task.FromResult(new EmbedResponse
        {
            RequestId = request.RequestId,
            Embedding = { request.Text.Length - 10f },
            PromptTokens = request.Text.Length,
        });
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Fact]
    public async Task Rerank_OrdersDocumentsByTheSigmoidOfTheirPairLogit()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/rerank", """{"query": "q", "documents": ["123456789", "12345678901", "1"]}""");

        Assert.Equal(200, answer.Status);
        var results = answer.Json.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([1, 0, 2], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal([1 / (1 + Math.Exp(-2)), 0.5, 1 / (1 + Math.Exp(8))],
            results.Select(r => r.GetProperty("relevance_score").GetDouble()), (a, b) => Math.Abs(a - b) < 1e-6);
        var sent = _host.Scheduler.EmbedRequests.ToArray();
        Assert.Equal(["q1", "q123456789", "q12345678901"], sent.Select(r => r.Text).Order(StringComparer.Ordinal));
        Assert.All(sent, r => Assert.Equal(PoolingTask.Classify, r.Task));
        Assert.All(sent, r => Assert.True(r.ParseSpecialTokens));
        Assert.Equal(24, answer.Json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Score_UseActivationFalse_AnswersThePairLogits()
    {
        var answer = await _host.Http.PostJsonAsync("/score", """{"text_1": "ab", "text_2": ["cd", "123456789012"], "use_activation": false}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal([-6.0, 4.0], answer.Json.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("score").GetDouble()));
    }

    [Fact]
    public async Task WithTheOperatorsChatTemplate_EachPairIsRenderedAsQueryAndDocumentMessages()
    {
        _host.Tokenizer.ChatTemplateOverridden = true;
        try
        {
            _host.Scheduler.EmbedScript = (request, _) => Task.FromResult(new EmbedResponse
            {
                RequestId = request.RequestId,
                Embedding = { 0f },
                PromptTokens = request.Chat.MessagesJson.Length,
            });

            var answer = await _host.Http.PostJsonAsync("/rerank", """{"query": "q", "documents": ["d"]}""");

            Assert.Equal(200, answer.Status);
            var sent = Assert.Single(_host.Scheduler.EmbedRequests);
            Assert.Equal(EmbedRequest.PromptOneofCase.Chat, sent.PromptCase);
            Assert.Equal("""[{"role":"query","content":"q"},{"role":"document","content":"d"}]""", sent.Chat.MessagesJson);
            Assert.False(sent.Chat.AddGenerationPrompt);
            Assert.True(sent.Chat.AddSpecialTokens);
            Assert.Equal(0.5, answer.Json.GetProperty("results")[0].GetProperty("relevance_score").GetDouble());
        }
        finally
        {
            _host.Tokenizer.ChatTemplateOverridden = false;
        }
    }

    [Fact]
    public async Task Embeddings_AreRefusedByTheSchedulerAsA400()
    {
        _host.Scheduler.EmbedScript = (_, _) => throw new Grpc.Core.RpcException(new Grpc.Core.Status(
            Grpc.Core.StatusCode.FailedPrecondition, "Model \"qwen-fake\" is a sequence classifier: it does not support the embeddings API; use classify, score or rerank."));

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input": "x"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("model", answer.Json.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains("sequence classifier", answer.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

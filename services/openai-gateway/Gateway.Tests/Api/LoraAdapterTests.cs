using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// LoRA adapters as vLLM serves its --lora-modules: each is a model of its own in /v1/models, and a request whose model
/// names one runs on the served model with it (lora_name to the scheduler) and is answered under the adapter's name.
/// </summary>
public sealed class LoraAdapterTests(LoraGatewayHost host) : IClassFixture<LoraGatewayHost>
{
    [Fact]
    public async Task Models_ListsTheServedModelThenACardPerAdapter()
    {
        var answer = await host.Http.GetAnswerAsync("/v1/models");

        Assert.Equal(200, answer.Status);
        var cards = answer.Json.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal([FakeScheduler.ModelName, "sql-lora", "chat-lora"], cards.Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cards[0].GetProperty("parent").ValueKind);
        var sql = cards[1];
        Assert.Equal("model", sql.GetProperty("object").GetString());
        Assert.Equal(cards[0].GetProperty("created").GetInt64(), sql.GetProperty("created").GetInt64());
        Assert.Equal("vllm", sql.GetProperty("owned_by").GetString());
        Assert.Equal("/adapters/sql-lora", sql.GetProperty("root").GetString());
        Assert.Equal(FakeScheduler.ModelName, sql.GetProperty("parent").GetString());
        Assert.Equal(FakeScheduler.MaxModelLen, sql.GetProperty("max_model_len").GetInt32());
    }

    [Fact]
    public async Task RetrieveModel_AnAdapter_IsItsCardFromTheList()
    {
        var list = await host.Http.GetAnswerAsync("/v1/models");

        var answer = await host.Http.GetAnswerAsync("/v1/models/chat-lora");

        Assert.Equal(200, answer.Status);
        Assert.Equal(list.Json.GetProperty("data")[2].GetRawText(), answer.Json.GetRawText());
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"sql-lora","messages":[{"role":"user","content":"lora chat"}]}""", "sql-lora", "lora chat", true)]
    [InlineData("/v1/completions", """{"model":"chat-lora","prompt":"lora completion"}""", "chat-lora", "lora completion", false)]
    [InlineData("/v1/responses", """{"model":"sql-lora","input":"lora response"}""", "sql-lora", "lora response", true)]
    public async Task Generation_NamingAnAdapter_RunsWithItAndAnswersUnderItsName(string path, string body, string adapter, string prompt, bool chat)
    {
        var answer = await host.Http.PostJsonAsync(path, body);

        Assert.Equal(200, answer.Status);
        Assert.Equal(adapter, answer.Json.GetProperty("model").GetString());
        Assert.Equal(adapter, (chat ? SentChat(prompt) : SentText(prompt)).LoraName);
    }

    [Fact]
    public async Task ChatCompletions_StreamedUnderAnAdapter_EveryChunkCarriesItsName()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"model":"chat-lora","stream":true,"messages":[{"role":"user","content":"lora stream"}]}""");

        Assert.Equal(200, answer.Status);
        Assert.NotEmpty(answer.SseChunks);
        Assert.All(answer.SseChunks, chunk => Assert.Equal("chat-lora", chunk.GetProperty("model").GetString()));
        Assert.Equal("chat-lora", SentChat("lora stream").LoraName);
    }

    [Theory]
    [InlineData("""{"model":"qwen-fake","prompt":"base by name"}""", "base by name")]
    [InlineData("""{"prompt":"base by omission"}""", "base by omission")]
    public async Task Completions_NamingTheServedModelOrNone_SendNoAdapter(string body, string prompt)
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", body);

        Assert.Equal(200, answer.Status);
        Assert.Equal(FakeScheduler.ModelName, answer.Json.GetProperty("model").GetString());
        Assert.Equal("", SentText(prompt).LoraName);
    }

    [Fact]
    public async Task Completions_AModelNeitherServedNorAnAdapter_Is404()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"other-lora","prompt":"unknown model"}""");

        Assert.Equal(404, answer.Status);
        Assert.Equal("The model `other-lora` does not exist.", answer.Error.GetProperty("message").GetString());
        Assert.DoesNotContain(host.Scheduler.Requests, r => r.Text == "unknown model");
    }

    [Fact]
    public async Task Completions_AModelNeitherServedNorAnAdapter_WithoutRuntimeUpdating_IsNotAskedAgain()
    {
        await host.Http.GetAnswerAsync("/v1/models");
        host.Clock.Advance(Gateway.Backends.ServedModel.UnknownModelRecheckInterval);
        var asked = host.Scheduler.ModelInfoCalls;

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"other-lora","prompt":"unknown model again"}""");

        Assert.Equal(404, answer.Status);
        Assert.Equal(asked, host.Scheduler.ModelInfoCalls);
    }

    [Fact]
    public async Task Responses_InTheBackgroundUnderAnAdapter_RunWithItAndAnswerUnderItsName()
    {
        var queued = await host.Http.PostJsonAsync("/v1/responses", """{"model":"chat-lora","input":"lora background","background":true}""");

        Assert.Equal(200, queued.Status);
        Assert.Equal("chat-lora", queued.Json.GetProperty("model").GetString());
        var id = queued.Json.GetProperty("id").GetString();
        var deadline = DateTime.UtcNow + GatewayHost.Timeout;
        HttpAnswer done;
        // The fake's default reply ends at its length limit, so the run ends incomplete.
        while ((done = await host.Http.GetAnswerAsync($"/v1/responses/{id}")).Json.GetProperty("status").GetString() != "incomplete")
        {
            Assert.True(DateTime.UtcNow < deadline, "the background response never ended");
            await Task.Delay(20);
        }

        Assert.Equal("chat-lora", done.Json.GetProperty("model").GetString());
        Assert.Equal("chat-lora", SentChat("lora background").LoraName);
    }

    [Fact]
    public async Task Embeddings_NamingTheServedModel_SendNoAdapter()
    {
        var answer = await host.Http.PostJsonAsync("/v1/embeddings", """{"model":"qwen-fake","input":"base embed"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("", Assert.Single(host.Scheduler.EmbedRequests, r => r.Text == "base embed").LoraName);
    }

    [Theory]
    [InlineData("/v1/embeddings", """{"model":"sql-lora","input":["lora embed 1","lora embed 2"]}""", "sql-lora", "lora embed 1|lora embed 2")]
    [InlineData("/v1/score", """{"model":"chat-lora","text_1":"lora score a","text_2":"lora score b"}""", "chat-lora", "lora score a|lora score b")]
    [InlineData("/v1/rerank", """{"model":"sql-lora","query":"lora query","documents":["lora doc"]}""", "sql-lora", "lora query|lora doc")]
    public async Task Pooling_NamingAnAdapter_EmbedsEveryTextWithItAndAnswersUnderItsName(string path, string body, string adapter, string texts)
    {
        var answer = await host.Http.PostJsonAsync(path, body);

        Assert.Equal(200, answer.Status);
        Assert.Equal(adapter, answer.Json.GetProperty("model").GetString());
        foreach (var text in texts.Split('|'))
            Assert.Equal(adapter, Assert.Single(host.Scheduler.EmbedRequests, r => r.Text == text).LoraName);
    }

    [Fact]
    public async Task Tokenize_NamingAnAdapter_UsesTheServedModelsTokenizer()
    {
        var tokenize = await host.Http.PostJsonAsync("/tokenize", """{"model":"sql-lora","prompt":"abc"}""");
        var detokenize = await host.Http.PostJsonAsync("/detokenize", """{"model":"chat-lora","tokens":[97,98,99]}""");

        Assert.Equal((200, 200), (tokenize.Status, detokenize.Status));
        Assert.Equal(FakeScheduler.MaxModelLen, tokenize.Json.GetProperty("max_model_len").GetInt32());
    }

    [Theory]
    [InlineData("/v1/load_lora_adapter")]
    [InlineData("/v1/unload_lora_adapter")]
    public async Task RuntimeAdapterLoading_IsNotOffered(string path)
    {
        var answer = await host.Http.PostJsonAsync(path, """{"lora_name":"new-lora","lora_path":"/adapters/new-lora"}""");

        Assert.Equal(404, answer.Status);
    }

    private GenerateRequest SentChat(string marker) =>
        Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) == true);

    private GenerateRequest SentText(string prompt) => Assert.Single(host.Scheduler.Requests, r => r.Text == prompt);
}

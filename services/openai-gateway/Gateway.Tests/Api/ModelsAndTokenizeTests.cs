using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

public sealed class ModelsAndTokenizeTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Models_ListsTheServedModelWithItsContextLength()
    {
        var answer = await host.Http.GetAnswerAsync("/v1/models");

        Assert.Equal(200, answer.Status);
        Assert.Equal("list", answer.Json.GetProperty("object").GetString());
        var model = Assert.Single(answer.Json.GetProperty("data").EnumerateArray());
        Assert.Equal(FakeScheduler.ModelName, model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal("vllm", model.GetProperty("owned_by").GetString());
        Assert.Equal(FakeScheduler.MaxModelLen, model.GetProperty("max_model_len").GetInt32());
        Assert.True(model.GetProperty("created").GetInt64() > 1_600_000_000);
    }

    [Fact]
    public async Task RetrieveModel_TheServedOne_IsItsCardFromTheList()
    {
        var list = await host.Http.GetAnswerAsync("/v1/models");

        var answer = await host.Http.GetAnswerAsync($"/v1/models/{FakeScheduler.ModelName}");

        Assert.Equal(200, answer.Status);
        Assert.Equal(list.Json.GetProperty("data")[0].GetRawText(), answer.Json.GetRawText());
    }

    [Theory]
    [InlineData("other-model", "other-model")]
    [InlineData("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct")]
    [InlineData("Qwen%2FQwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct")]
    public async Task RetrieveModel_AnotherId_Is404NamingIt(string path, string id)
    {
        var answer = await host.Http.GetAnswerAsync($"/v1/models/{path}");

        Assert.Equal(404, answer.Status);
        Assert.Equal("model", answer.ErrorParam);
        Assert.Equal($"The model `{id}` does not exist.", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Version_ReturnsAVersionString()
    {
        var answer = await host.Http.GetAnswerAsync("/version");

        Assert.Equal(200, answer.Status);
        Assert.False(string.IsNullOrEmpty(answer.Json.GetProperty("version").GetString()));
    }

    [Fact]
    public async Task Tokenize_Prompt_ReturnsTheTokenizersIds()
    {
        var answer = await host.Http.PostJsonAsync("/tokenize", """{"model":"qwen-fake","prompt":"abc"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(3, answer.Json.GetProperty("count").GetInt32());
        Assert.Equal(FakeScheduler.MaxModelLen, answer.Json.GetProperty("max_model_len").GetInt32());
        Assert.Equal([97, 98, 99], answer.Json.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
    }

    [Fact]
    public async Task Tokenize_ReturnTokenStrs_AddsEachIdsTokenSpelling()
    {
        var answer = await host.Http.PostJsonAsync("/tokenize", """{"prompt":"a b","return_token_strs":true}""");
        var without = await host.Http.PostJsonAsync("/tokenize", """{"prompt":"a b"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(["a", "Ġ", "b"], answer.Json.GetProperty("token_strs").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, without.Json.GetProperty("token_strs").ValueKind);
    }

    [Fact]
    public async Task Tokenize_Messages_RendersTheChatTemplate()
    {
        const string messages = """[{"role":"user","content":"tokenize me"}]""";

        var answer = await host.Http.PostJsonAsync("/tokenize", $$"""{"messages":{{messages}}}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(("<chat>" + messages).Length, answer.Json.GetProperty("count").GetInt32());
        var sent = Assert.Single(host.Tokenizer.TemplateRequests, r => r.MessagesJson == messages);
        Assert.True(sent.AddGenerationPrompt);
        Assert.True(sent.Tokenize);
    }

    [Fact]
    public async Task Tokenize_UnknownModel_Returns404()
    {
        var answer = await host.Http.PostJsonAsync("/tokenize", """{"model":"other","prompt":"abc"}""");

        Assert.Equal(404, answer.Status);
    }

    [Theory]
    [InlineData("""{"prompt":"abc","messages":[{"role":"user","content":"x"}]}""", "prompt")]
    [InlineData("""{"prompt":"abc","add_generation_prompt":false}""", "add_generation_prompt")]
    [InlineData("""{"prompt":"abc","tools":[]}""", "tools")]
    [InlineData("""{"prompt":"abc","chat_template_kwargs":{"enable_thinking":false}}""", "chat_template_kwargs")]
    public async Task Tokenize_FieldsThatWouldHaveNoEffect_Are400NamingThem(string body, string param)
    {
        var answer = await host.Http.PostJsonAsync("/tokenize", body);

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Detokenize_ReturnsTextKeepingSpecialTokens()
    {
        var answer = await host.Http.PostJsonAsync(
            "/detokenize", $$"""{"tokens":[65,66,{{FakeTokenizer.EndOfText}}]}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("AB<|endoftext|>", answer.Json.GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task Detokenize_WithoutTokens_Returns400NamingTokens()
    {
        var answer = await host.Http.PostJsonAsync("/detokenize", "{}");

        Assert.Equal(400, answer.Status);
        Assert.Equal("tokens", answer.Json.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(JsonValueKind.Object, answer.Json.GetProperty("error").ValueKind);
    }
}

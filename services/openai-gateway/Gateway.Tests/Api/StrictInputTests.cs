using System.Text;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

public sealed class StrictInputTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Theory]
    [InlineData("/v1/completions", """{"prompt":"a\ud800b"}""", "prompt")]
    [InlineData("/v1/completions", """{"prompt":["x\ud800"]}""", "prompt")]
    [InlineData("/v1/completions", """{"prompt":"Hi","stop":["\ud800"]}""", "stop")]
    [InlineData("/v1/completions", """{"prompt":"Hi","model":"\ud800"}""", "model")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"\ud800"}]}""", "messages")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"x","name":"\ud800"}]}""", "messages")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"\ud800","content":"x"}]}""", "messages")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"stop":"\udc00"}""", "stop")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"model":"\ud800"}""", "model")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"\ud800"}}]}""", "tools")]
    [InlineData("/tokenize", """{"prompt":"\ud800"}""", "prompt")]
    [InlineData("/tokenize", """{"messages":[{"role":"user","content":"\ud800"}]}""", "messages")]
    [InlineData("/detokenize", """{"tokens":[1],"model":"\ud800"}""", "model")]
    public async Task LoneSurrogate_Returns400NamingTheField(string path, string json, string field)
    {
        var answer = await host.Http.PostJsonAsync(path, json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.Contains("not valid Unicode", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task LoneSurrogate_MessageNamesThePathInsideTheField()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"messages":[{"role":"user","content":"ok"},{"role":"user","content":[{"type":"text","text":"\ud800"}]}]}""");

        Assert.StartsWith("messages[1].content[0].text is not valid Unicode", answer.Error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/v1/completions", "prompt")]
    [InlineData("/v1/chat/completions", "messages")]
    [InlineData("/tokenize", "prompt")]
    public async Task InvalidUtf8InAString_Returns400NamingTheField(string path, string field)
    {
        var body = path == "/v1/chat/completions"
            ? Concat("{\"messages\":[{\"role\":\"user\",\"content\":\"a", [0xC3, 0x28], "\"}]}")
            : Concat("{\"prompt\":\"a", [0xFF, 0xFE], "\"}");

        var answer = await host.Http.PostBytesAsync(path, body, "application/json");

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
    }

    [Fact]
    public async Task InvalidUtf8InAFieldName_Returns400()
    {
        var answer = await host.Http.PostBytesAsync(
            "/v1/completions", Concat("{\"prompt\":\"Hi\",\"", [0xFF], "\":1}"), "application/json");

        Assert.Equal(400, answer.Status);
        Assert.Equal("BadRequestError", answer.Error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/jsonx")]
    [InlineData(null)]
    public async Task NonJsonContentType_Returns415InTheEnvelope(string? contentType)
    {
        var answer = await host.Http.PostBytesAsync("/v1/completions", Encoding.UTF8.GetBytes("""{"prompt":"Hi"}"""), contentType);

        Assert.Equal(415, answer.Status);
        Assert.Equal(415, answer.Error.GetProperty("code").GetInt32());
        Assert.Contains("application/json", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task JsonContentTypeWithCharset_IsAccepted()
    {
        var answer = await host.Http.PostBytesAsync(
            "/v1/completions", Encoding.UTF8.GetBytes("""{"prompt":"Hi"}"""), "Application/JSON; charset=utf-8");

        Assert.Equal(200, answer.Status);
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(151936, 1)]
    [InlineData(int.MaxValue, 1)]
    public async Task Detokenize_IdOutsideTheVocabulary_Returns400NamingTokens(int id, int index)
    {
        var answer = await host.Http.PostJsonAsync("/detokenize", $$"""{"tokens":[{{(index == 0 ? "" : "65,")}}{{id}}]}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("tokens", answer.ErrorParam);
        Assert.Equal($"tokens[{index}] is {id}, outside the vocabulary (ids 0 to 151935).", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Detokenize_LastIdOfTheVocabulary_IsAccepted()
    {
        var answer = await host.Http.PostJsonAsync("/detokenize", """{"tokens":[151935]}""");

        Assert.Equal(200, answer.Status);
    }

    [Theory]
    [InlineData("""[{"role":"user","content":5}]""")]
    [InlineData("""[{"role":"user","content":{"text":"x"}}]""")]
    [InlineData("""[{"role":"user","content":[{"text":"no type"}]}]""")]
    [InlineData("""[{"role":"user","content":[{"type":"text","text":7}]}]""")]
    [InlineData("""[{"role":"user","content":"x","name":3}]""")]
    [InlineData("""[{"role":"assistant","content":null,"tool_calls":{}}]""")]
    [InlineData("""[{"role":"tool","content":"x","tool_call_id":[]}]""")]
    [InlineData("""[["user","x"]]""")]
    public async Task Chat_MalformedMessage_Returns400NamingMessages(string messages)
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", $$"""{"messages":{{messages}}}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("messages", answer.ErrorParam);
        Assert.StartsWith("messages[0]", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Tokenize_MalformedMessage_Returns400NamingMessages()
    {
        var answer = await host.Http.PostJsonAsync("/tokenize", """{"messages":[{"role":"user","content":5}]}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("messages", answer.ErrorParam);
        Assert.DoesNotContain(host.Tokenizer.TemplateRequests, r => r.MessagesJson.Contains("\"content\":5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Chat_TextLikeContentParts_AreAccepted()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            """{"messages":[{"role":"user","name":"ann","content":[{"type":"text","text":"hi"},"bare",{"type":"input_text","text":"x"}]},{"role":"assistant","content":[{"type":"refusal","refusal":"no"}]},{"role":"user","content":"ok"}]}""");

        Assert.Equal(200, answer.Status);
    }

    [Theory]
    [InlineData("""[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"x"}}]}]""", "messages[0].content[1] is a part of type image_url, but the served model takes text only")]
    [InlineData("""[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"","format":"wav"}}]}]""", "messages[0].content[0] is a part of type input_audio")]
    [InlineData("""[{"role":"user","content":[{"type":"hologram"}]}]""", "messages[0].content[0].type 'hologram' is not a content part type")]
    [InlineData("""[{"role":"user","content":[{"type":"refusal","text":"x"}]}]""", "messages[0].content[0] is a refusal part without a string refusal")]
    [InlineData("""[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]""", "messages[0].tool_calls[0].function.arguments must hold JSON")]
    public async Task Chat_PartsAndArgumentsTheModelCannotTake_Return400NamingThem(string messages, string expected)
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", $$"""{"messages":{{messages}}}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("messages", answer.ErrorParam);
        Assert.StartsWith(expected, answer.Error.GetProperty("message").GetString());
    }

    private static byte[] Concat(string before, byte[] bad, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)];
}

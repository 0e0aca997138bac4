using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>A gateway whose operator trusts request chat templates (vLLM's --trust-request-chat-template).</summary>
public sealed class TrustedTemplateGatewayHost : GatewayHost
{
    protected override IEnumerable<string> ExtraArgs => ["--Gateway:TrustRequestChatTemplate", "true"];
}

/// <summary>A request's own chat_template: refused unless the operator trusts request templates, then passed on.</summary>
public sealed class RequestChatTemplateTests(TrustedTemplateGatewayHost host) : IClassFixture<TrustedTemplateGatewayHost>
{
    private const string Template = "{% for m in messages %}{{ m.content }}{% endfor %}";

    [Fact]
    public async Task Trusted_TheTemplateGoesWithTheChatPromptAndToTokenize()
    {
        var chat = await host.Http.PostJsonAsync("/v1/chat/completions", $$"""{"messages":[{"role":"user","content":"own template"}],"chat_template":"{{Template}}"}""");
        var tokenized = await host.Http.PostJsonAsync("/tokenize", $$"""{"messages":[{"role":"user","content":"tokenized own"}],"chat_template":"{{Template}}"}""");

        Assert.Equal(200, chat.Status);
        Assert.Equal(Template, host.Scheduler.Requests.Last(r => r.Chat?.MessagesJson.Contains("own template", StringComparison.Ordinal) == true).Chat.ChatTemplate);
        Assert.Equal(200, tokenized.Status);
        Assert.Equal(Template, host.Tokenizer.TemplateRequests.Last(r => r.MessagesJson.Contains("tokenized own", StringComparison.Ordinal)).ChatTemplate);
    }

    [Fact]
    public async Task Trusted_AnEmptyTemplateIsA400()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"chat_template":""}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("chat_template", answer.ErrorParam);
    }
}

/// <summary>By default (as vLLM's), a request's chat_template is refused, naming the flag that allows it.</summary>
public sealed class UntrustedRequestChatTemplateTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/tokenize")]
    public async Task Untrusted_IsA400NamingChatTemplateAndTheFlag(string path)
    {
        var answer = await host.Http.PostJsonAsync(path, """{"messages":[{"role":"user","content":"x"}],"chat_template":"{{ messages }}"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("chat_template", answer.ErrorParam);
        Assert.Contains("--trust-request-chat-template", answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

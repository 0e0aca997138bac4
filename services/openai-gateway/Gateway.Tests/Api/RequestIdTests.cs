using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>vLLM's request_id: the client names the request; the response id and the scheduler's id carry the name.</summary>
public sealed class RequestIdTests(GatewayHost host) : IClassFixture<GatewayHost>, IDisposable
{
    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task Chat_TheResponseAndTheSchedulerUseTheClientsName()
    {
        var body = (await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"named chat"}],"request_id":"job-42"}""")).Json;

        Assert.Equal("chatcmpl-job-42", body.GetProperty("id").GetString());
        Assert.Contains(host.Scheduler.Requests, r => r.RequestId == "chatcmpl-job-42");
    }

    [Fact]
    public async Task Completions_LaterPromptsAreNumbered()
    {
        var body = (await host.Http.PostJsonAsync("/v1/completions", """{"prompt":["named one","named two"],"request_id":"batch-7"}""")).Json;

        Assert.Equal("cmpl-batch-7", body.GetProperty("id").GetString());
        Assert.Contains(host.Scheduler.Requests, r => r.RequestId == "cmpl-batch-7" && r.Text == "named one");
        Assert.Contains(host.Scheduler.Requests, r => r.RequestId == "cmpl-batch-7-1" && r.Text == "named two");
    }

    [Fact]
    public async Task AnIdARunningRequestHolds_IsA409NamingRequestId()
    {
        host.Scheduler.Script = r => r.RequestId == "chatcmpl-busy" && r.Chat?.MessagesJson.Contains("first", StringComparison.Ordinal) == true
            ? new FakeReply(["a", "b"], FinishReason.Length, HangAfterFirst: true)
            : FakeReply.Default;
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var first = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"first"}],"request_id":"busy","stream":true}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var running = await host.Http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead, cts.Token);

        var second = await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"second"}],"request_id":"busy"}""");

        Assert.Equal(409, second.Status);
        Assert.Equal("request_id", second.ErrorParam);
        Assert.Contains("busy", second.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responses_TheResponseIdCarriesIt_AndAStoredOnesNameIsA409()
    {
        var first = await host.Http.PostJsonAsync("/v1/responses", """{"input":"named response","request_id":"conv-1"}""");
        var again = await host.Http.PostJsonAsync("/v1/responses", """{"input":"named response","request_id":"conv-1"}""");

        Assert.Equal("resp-conv-1", first.Json.GetProperty("id").GetString());
        Assert.Equal(409, again.Status);
        Assert.Equal("request_id", again.ErrorParam);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"a\\u0000b\"")]
    [InlineData("5")]
    public async Task AMalformedRequestId_IsA400NamingIt(string value)
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", $$"""{"messages":[{"role":"user","content":"x"}],"request_id":{{value}}}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("request_id", answer.ErrorParam);
    }
}

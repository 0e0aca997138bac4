using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Observability;

/// <summary>A gateway whose client-disconnect log line (debug) is captured, so a test can wait for it.</summary>
public sealed class QuietLogsHost : GatewayHost
{
    protected override IEnumerable<string> ExtraArgs =>
        ["--Logging:LogLevel:Gateway.Api.Errors.OpenAiErrorMiddleware", "Debug"];
}

/// <summary>Normal traffic, clients that hang up included, logs nothing at warning level or above.</summary>
public sealed class QuietLogsTests(QuietLogsHost host) : IClassFixture<QuietLogsHost>
{
    [Fact]
    public async Task NormalTraffic_LogsNoWarningOrError()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"whole"}""");
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"streamed","stream":true,"logprobs":2}""");
        await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"whole"}]}""");
        await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"messages":[{"role":"user","content":"s"}],"stream":true,"stream_options":{"include_usage":true}}""");
        await host.Http.PostJsonAsync("/tokenize", """{"prompt":"abc"}""");
        await host.Http.GetAnswerAsync("/v1/models");
        await host.Http.GetAnswerAsync("/health");
        await host.Http.GetAnswerAsync("/metrics");

        Assert.Empty(host.Logs.Problems);
    }

    [Theory]
    [InlineData("/v1/completions", """{"prompt":"hang up","stream":true}""")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hang up"}],"stream":true}""")]
    public async Task ClientHangsUpMidStream_LogsNoWarningOrError(string path, string body)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = _ => new FakeReply(["first"], FinishReason.Length, HangAfterFirst: true);
        var disconnectsBefore = Disconnects();
        try
        {
            using (var request = new HttpRequestMessage(HttpMethod.Post, path))
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
                Assert.StartsWith("data: ", await reader.ReadLineAsync(cts.Token));
            }

            // The gateway has finished with the request once it logged the disconnect (at debug).
            while (Disconnects() == disconnectsBefore)
            {
                await Task.Delay(10, cts.Token);
            }

            await host.Scheduler.IdleAsync(cts.Token);
            Assert.Empty(host.Logs.Problems);
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    private int Disconnects() => host.Logs.Entries.Count(e => e.Message.StartsWith("Client disconnected", StringComparison.Ordinal));
}

using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>A gateway with <c>Gateway:RequestTimeoutSeconds</c> set.</summary>
public sealed class DeadlineHost : GatewayHost
{
    protected override IEnumerable<string> ExtraArgs => ["--Gateway:RequestTimeoutSeconds", "1"];
}

/// <summary>A request still running at its deadline is aborted in the scheduler and answered with an error.</summary>
public sealed class RequestDeadlineTests(DeadlineHost host) : IClassFixture<DeadlineHost>
{
    [Fact]
    public async Task WholeAnswer_PastTheDeadline_Returns504AndCancelsTheSchedulerCall()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = _ => new FakeReply(["slow"], FinishReason.Length, HangAfterFirst: true);
        try
        {
            var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"deadline whole"}""");

            Assert.Equal(504, answer.Status);
            Assert.Contains("Gateway:RequestTimeoutSeconds", answer.Json.GetProperty("error").GetProperty("message").GetString());
            await host.Scheduler.CancelledAsync("deadline whole").WaitAsync(cts.Token);
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Fact]
    public async Task Embeddings_PastTheDeadline_Return504AndCancelTheSchedulerCalls()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.EmbedScript = host.Scheduler.HangEmbedAsync;
        try
        {
            var answer = await host.Http.PostJsonAsync("/v1/embeddings", """{"input":["deadline embed 1","deadline embed 2"]}""");

            Assert.Equal(504, answer.Status);
            Assert.Contains("Gateway:RequestTimeoutSeconds", answer.Json.GetProperty("error").GetProperty("message").GetString());
            // Every call that reached the scheduler is cancelled; on a loaded machine the deadline may pass before the
            // gateway sent one, which then never runs at all.
            foreach (var text in new[] { "deadline embed 1", "deadline embed 2" }.Where(t => host.Scheduler.EmbedRequests.Any(r => r.Text == t)))
            {
                await host.Scheduler.CancelledAsync(text).WaitAsync(cts.Token);
            }
        }
        finally
        {
            host.Scheduler.ResetEmbeds();
        }
    }

    [Theory]
    [InlineData("/score", """{"text_1":"deadline score 1","text_2":"deadline score 2"}""", "deadline score 1")]
    [InlineData("/v2/rerank", """{"query":"deadline rerank 1","documents":["deadline rerank 2"]}""", "deadline rerank 1")]
    public async Task ScoreAndRerank_PastTheDeadline_Return504AndCancelTheSchedulerCalls(string path, string json, string text)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.EmbedScript = host.Scheduler.HangEmbedAsync;
        try
        {
            var answer = await host.Http.PostJsonAsync(path, json);

            Assert.Equal(504, answer.Status);
            await host.Scheduler.CancelledAsync(text).WaitAsync(cts.Token);
        }
        finally
        {
            host.Scheduler.ResetEmbeds();
        }
    }

    [Fact]
    public async Task Stream_PastTheDeadline_EndsWithA504ErrorEventAndDone()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = _ => new FakeReply(["slow"], FinishReason.Length, HangAfterFirst: true);
        try
        {
            var answer = await host.Http.PostJsonAsync(
                "/v1/chat/completions", """{"messages":[{"role":"user","content":"deadline stream"}],"stream":true}""");

            Assert.Equal(200, answer.Status);
            var events = answer.SseEvents;
            Assert.Contains(events, e => e.Contains("slow", StringComparison.Ordinal));
            Assert.Equal("[DONE]", events[^1]);
            Assert.Equal(504, JsonDocument.Parse(events[^2]).RootElement.GetProperty("error").GetProperty("code").GetInt32());
            await host.Scheduler.IdleAsync(cts.Token);
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Fact]
    public async Task ABackgroundStream_OutlivesTheDeadline_ItsRunIsNotTheRequests()
    {
        host.Scheduler.Script = _ => new FakeReply(["slow"], FinishReason.Length, HangAfterFirst: true);
        try
        {
            await using var stream = await NamedEventReader.PostAsync(
                host.Http, "/v1/responses", """{"input":"deadline background","stream":true,"background":true}""");
            var seen = await stream.ReadThroughAsync(e => e.Name == "response.output_text.delta");
            var id = seen[0].Data.GetProperty("response").GetProperty("id").GetString();

            // Past the 1 s deadline: the stream must still be open, relaying the run, until the run ends.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await host.Http.PostJsonAsync($"/v1/responses/{id}/cancel", "{}");

            var end = Assert.Single(await stream.ReadToEndAsync());
            Assert.Equal("response.cancelled", end.Name);
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Fact]
    public async Task Deadline_IsNotAFault_LogsNoWarningOrError()
    {
        host.Scheduler.Script = _ => new FakeReply(["slow"], FinishReason.Length, HangAfterFirst: true);
        try
        {
            await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"deadline quiet","stream":true}""");

            Assert.Empty(host.Logs.Problems);
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }
}

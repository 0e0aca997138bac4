using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Grpc.Core;
using Inference.Contracts.Scheduler.V1;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Api;

/// <summary>
/// A stream that has started (headers and chunks sent) and then loses the scheduler ends with an error event and
/// <c>[DONE]</c>, never with a dropped connection.
/// </summary>
public sealed class MidStreamFaultTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    private const string Completions = "/v1/completions";
    private const string Chat = "/v1/chat/completions";

    [Theory]
    [InlineData(Completions, StatusCode.Unavailable, 503)]
    [InlineData(Completions, StatusCode.Internal, 500)]
    [InlineData(Completions, StatusCode.Cancelled, 500)]
    [InlineData(Completions, StatusCode.ResourceExhausted, 429)]
    [InlineData(Chat, StatusCode.Unavailable, 503)]
    [InlineData(Chat, StatusCode.Unknown, 500)]
    [InlineData(Chat, StatusCode.DeadlineExceeded, 503)]
    public async Task Stream_SchedulerFailsAfterTheFirstChunk_EndsWithAnErrorEventAndDone(string path, StatusCode status, int code)
    {
        host.Scheduler.Script = _ => new FakeReply(["partial", "never"], FinishReason.Length, FailAfterFirst: status);
        try
        {
            var answer = await host.Http.PostJsonAsync(path, StreamingBody(path));

            Assert.Equal(200, answer.Status);
            Assert.Contains(answer.SseEvents, e => e.Contains("partial", StringComparison.Ordinal));
            Assert.Equal(code, ErrorOfLastEvent(answer.SseEvents).GetProperty("code").GetInt32());
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Fact]
    public async Task Stream_SchedulerFailsMidStream_LogsOneWarningNamingTheStatus()
    {
        host.Scheduler.Script = _ => new FakeReply(["partial", "never"], FinishReason.Length, FailAfterFirst: StatusCode.DataLoss);
        var before = host.Logs.Problems.Count;
        try
        {
            await host.Http.PostJsonAsync(Completions, StreamingBody(Completions));

            var logged = Assert.Single(host.Logs.Problems.Skip(before));
            Assert.Equal(LogLevel.Warning, logged.Level);
            Assert.Contains("DataLoss", logged.Message);
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Theory]
    [InlineData(Completions)]
    [InlineData(Chat)]
    public async Task Stream_SchedulerConnectionDiesMidStream_EndsWithAnErrorEventAndDone(string path)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = _ => new FakeReply(["partial"], FinishReason.Length, HangAfterFirst: true);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent(StreamingBody(path), System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            while (await reader.ReadLineAsync(cts.Token) is { } line && !line.Contains("partial", StringComparison.Ordinal))
            {
            }

            host.BackendConnections.DropAll();
            // The blank line that ends the "partial" event is still unread.
            var rest = new HttpAnswer(200, (await reader.ReadToEndAsync(cts.Token)).TrimStart('\n'), null);

            var error = ErrorOfLastEvent(rest.SseEvents);
            Assert.True(error.GetProperty("code").GetInt32() >= 500);
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Theory]
    [InlineData(Completions)]
    [InlineData(Chat)]
    public async Task Stream_SchedulerUnavailableBeforeTheFirstChunk_Returns503(string path)
    {
        host.Scheduler.Script = _ => throw new RpcException(new Status(StatusCode.Unavailable, "no worker for 30 s"));
        try
        {
            var answer = await host.Http.PostJsonAsync(path, StreamingBody(path));

            Assert.Equal(503, answer.Status);
            Assert.Equal("ServiceUnavailableError", answer.Json.GetProperty("error").GetProperty("type").GetString());
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    private static string StreamingBody(string path) => path == Chat
        ? """{"messages":[{"role":"user","content":"fault"}],"stream":true}"""
        : """{"prompt":"fault","stream":true}""";

    /// <summary>The stream must end with an error event and then [DONE]; returns the error.</summary>
    private static JsonElement ErrorOfLastEvent(IReadOnlyList<string> events)
    {
        Assert.True(events.Count >= 2, $"expected an error event and [DONE], got: {string.Join(" | ", events)}");
        Assert.Equal("[DONE]", events[^1]);
        return JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
    }
}

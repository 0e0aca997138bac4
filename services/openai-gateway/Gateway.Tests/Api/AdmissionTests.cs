using System.Net;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>The scheduler's admission bound: beyond it a request is refused at once with 429 and Retry-After.</summary>
public sealed class AdmissionTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Completions_BeyondTheAdmissionBound_Returns429WithRetryAfter(bool stream)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.MaxConcurrentRequests = 1;
        host.Scheduler.Script = r => r.Text == "occupy"
            ? new FakeReply(["busy"], FinishReason.Length, HangAfterFirst: true)
            : FakeReply.Default;
        try
        {
            using var occupier = await StartStreamAsync("occupy", cts.Token);
            using var refused = await host.Http.PostAsync(
                "/v1/completions", Json($$"""{"prompt":"one too many","stream":{{(stream ? "true" : "false")}}}"""), cts.Token);

            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            var answer = new HttpAnswer(429, await refused.Content.ReadAsStringAsync(cts.Token), null);
            var error = answer.Json.GetProperty("error");
            Assert.Equal("RateLimitError", error.GetProperty("type").GetString());
            Assert.Contains("max_concurrent_requests", error.GetProperty("message").GetString());
        }
        finally
        {
            host.Scheduler.MaxConcurrentRequests = null;
            host.Scheduler.Script = _ => FakeReply.Default;

            // The occupier was closed on leaving the try block; the next test needs its admission slot back.
            await host.Scheduler.IdleAsync(cts.Token);
        }
    }

    [Fact]
    public async Task Responses_BeyondTheAdmissionBound_Returns429WithRetryAfter()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.MaxConcurrentRequests = 1;
        host.Scheduler.Script = r => r.Text == "occupy"
            ? new FakeReply(["busy"], FinishReason.Length, HangAfterFirst: true)
            : FakeReply.Default;
        try
        {
            using var occupier = await StartStreamAsync("occupy", cts.Token);
            using var refused = await host.Http.PostAsync("/v1/responses", Json("""{"input":"one too many","store":false}"""), cts.Token);

            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        }
        finally
        {
            host.Scheduler.MaxConcurrentRequests = null;
            host.Scheduler.Script = _ => FakeReply.Default;
            await host.Scheduler.IdleAsync(cts.Token);
        }
    }

    /// <summary>A streamed request the scheduler has admitted and holds (its first event has arrived).</summary>
    private async Task<HttpResponseMessage> StartStreamAsync(string prompt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = Json($$"""{"prompt":"{{prompt}}","stream":true}"""),
        };
        var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        Assert.StartsWith("data: ", await reader.ReadLineAsync(cancellationToken));
        return response;
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}

using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

public sealed class CancellationTests(GatewayHost host) : IClassFixture<GatewayHost>, IDisposable
{
    /// <summary>The tests script the shared fake scheduler to hang; the next test class member gets it back as it was.</summary>
    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task ClientDisconnect_WhileStreaming_CancelsTheSchedulerCall()
    {
        host.Scheduler.Script = _ => new FakeReply(["first"], FinishReason.Length, HangAfterFirst: true);
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using (var request = Post("""{"prompt":"hang streaming","stream":true}"""))
        {
            using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
            using var reader = new StreamReader(body);
            var firstEvent = await reader.ReadLineAsync(cts.Token);
            Assert.StartsWith("data: ", firstEvent);
        }

        // Leaving the block closed the response mid-stream: the scheduler must see its call cancelled.
        await host.Scheduler.CancelledAsync("hang streaming").WaitAsync(cts.Token);
    }

    [Fact]
    public async Task ClientDisconnect_WhileWaitingForAWholeAnswer_CancelsTheSchedulerCall()
    {
        host.Scheduler.Script = _ => new FakeReply(["first"], FinishReason.Length, HangAfterFirst: true);
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var clientGivesUp = new CancellationTokenSource();
        using var request = Post("""{"prompt":"hang whole"}""");
        var sending = host.Http.SendAsync(request, clientGivesUp.Token);
        while (!host.Scheduler.Requests.Any(r => r.Text == "hang whole"))
        {
            await Task.Delay(10, cts.Token);
        }

        await clientGivesUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        await host.Scheduler.CancelledAsync("hang whole").WaitAsync(cts.Token);
    }

    private static HttpRequestMessage Post(string json) => new(HttpMethod.Post, "/v1/completions")
    {
        Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
    };
}

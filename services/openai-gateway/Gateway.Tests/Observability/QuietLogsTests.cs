using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Observability;

/// <summary>A gateway that also logs when each request finished (information), so a test can wait for that.</summary>
public sealed class QuietLogsHost : GatewayHost
{
    protected override IEnumerable<string> ExtraArgs =>
        ["--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Information"];
}

/// <summary>Normal traffic, clients that hang up included, logs nothing at warning level or above.</summary>
public sealed class QuietLogsTests(QuietLogsHost host) : IClassFixture<QuietLogsHost>
{
    [Fact]
    public async Task NormalTraffic_LogsNoWarningOrError()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"whole"}""");
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"streamed","stream":true,"logprobs":2}""");
        await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"whole"}]}""");
        await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"messages":[{"role":"user","content":"s"}],"stream":true,"stream_options":{"include_usage":true}}""");
        await host.Http.PostJsonAsync("/tokenize", """{"prompt":"abc"}""");
        await host.Http.GetAnswerAsync("/v1/models");
        await host.Http.GetAnswerAsync("/health");
        await host.Http.GetAnswerAsync("/metrics");
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        using var call = new Generation.GenerationClient(channel).Generate(new GenerateRequest { Text = "direct" }, cancellationToken: cts.Token);
        while (await call.ResponseStream.MoveNext(cts.Token))
        {
        }

        Assert.Empty(host.Logs.Problems);
    }

    [Theory]
    [InlineData("/v1/completions", """{"prompt":"hang up","stream":true}""")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hang up"}],"stream":true}""")]
    public Task ClientHangsUpMidStream_LogsNoWarningOrError(string path, string body) =>
        AssertQuietAfterHangUpAsync(async cancellationToken =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            Assert.StartsWith("data: ", await reader.ReadLineAsync(cancellationToken));
        });

    [Fact]
    public Task ClientHangsUpWaitingForAWholeAnswer_LogsNoWarningOrError() =>
        AssertQuietAfterHangUpAsync(async cancellationToken =>
        {
            using var clientGivesUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var content = new StringContent("""{"prompt":"give up"}""", System.Text.Encoding.UTF8, "application/json");
            var sending = host.Http.PostAsync("/v1/completions", content, clientGivesUp.Token);
            while (!host.Scheduler.Requests.Any(r => r.Text == "give up"))
            {
                await Task.Delay(10, cancellationToken);
            }

            await clientGivesUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        });

    [Fact]
    public Task DirectGrpcClientHangsUpAtTheFrontDoor_LogsNoWarningOrError() =>
        AssertQuietAfterHangUpAsync(async cancellationToken =>
        {
            using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
            using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var call = new Generation.GenerationClient(channel).Generate(
                new GenerateRequest { Text = "direct hang up" }, cancellationToken: hangUp.Token);
            Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
            await hangUp.CancelAsync();
        });

    /// <summary>Hangs up on a request the scheduler holds, waits until the gateway finished it, then checks the logs.</summary>
    private async Task AssertQuietAfterHangUpAsync(Func<CancellationToken, Task> hangUp)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        host.Scheduler.Script = _ => new FakeReply(["first"], FinishReason.Length, HangAfterFirst: true);
        var finishedBefore = FinishedRequests();
        try
        {
            await hangUp(cts.Token);
            while (FinishedRequests() == finishedBefore)
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

    private int FinishedRequests() =>
        host.Logs.Entries.Count(e => e.Message.StartsWith("Request finished", StringComparison.Ordinal));
}

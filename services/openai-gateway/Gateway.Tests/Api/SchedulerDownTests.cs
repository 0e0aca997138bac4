using System.Net;
using System.Net.Sockets;
using Gateway.Tests.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Gateway.Tests.Api;

/// <summary>A gateway whose scheduler and tokenizer addresses answer nothing.</summary>
public sealed class SchedulerDownTests : IAsyncLifetime
{
    private WebApplication _gateway = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var deadAddress = $"http://127.0.0.1:{UnusedPort()}";
        _gateway = GatewayApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--Gateway:SchedulerAddress", deadAddress,
            "--Gateway:TokenizerAddress", deadAddress,
            "--Logging:LogLevel:Default", "None",
        ]);
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        await _gateway.StartAsync(cts.Token);
        _http = new HttpClient { BaseAddress = new Uri(_gateway.Urls.Single()), Timeout = GatewayHost.Timeout };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Health_WhenTheSchedulerIsDown_Returns503SayingItIsNotReachable()
    {
        var answer = await _http.GetAnswerAsync("/health");

        Assert.Equal(503, answer.Status);
        Assert.Contains(HealthTests.Reasons(answer), r => r.StartsWith("scheduler not reachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Completions_WhenTheSchedulerIsDown_Returns503WithTheErrorEnvelope()
    {
        var answer = await _http.PostJsonAsync("/v1/completions", """{"prompt":"Hi"}""");

        Assert.Equal(503, answer.Status);
        Assert.Equal("ServiceUnavailableError", answer.Json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Metrics_WhenTheSchedulerIsDown_Returns200WithTheGatewaysSeriesAndAComment()
    {
        var answer = await _http.GetAnswerAsync("/metrics");

        Assert.Equal(200, answer.Status);
        var lines = answer.Text.Split('\n');
        Assert.Contains("# TYPE vllm:e2e_request_latency_seconds histogram", lines);
        Assert.Contains(lines, l => l.StartsWith("# gateway: the scheduler's metrics are missing", StringComparison.Ordinal));
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

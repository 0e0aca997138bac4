using Inference.Contracts.Scheduler.V1;

namespace Scheduler.Tests.Service;

/// <summary>The scheduler service's fleet behaviour on the wire: status, and a worker that restarts.</summary>
public sealed class SchedulerFleetServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task GetStatus_WithoutAWorker_IsNotReady_AndSaysWhy()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: false);
        var client = new Generation.GenerationClient(fixture.Channel);

        var status = await client.GetStatusAsync(new GetStatusRequest()).ResponseAsync.WaitAsync(Timeout);

        Assert.False(status.Ready);
        Assert.Contains("no ready worker", status.NotReadyReasons);
    }

    [Fact]
    public async Task GetStatus_WithAWorker_IsReady_AndListsItsInstance()
    {
        await using var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);

        var status = await WaitForReadyAsync(fixture);

        var worker = Assert.Single(status.Workers);
        Assert.Equal((WorkerState.Ready, fixture.Worker.InstanceId, 32), (worker.State, worker.InstanceId, worker.NumBlocks));
        Assert.True(status.TokenizerReady);
        Assert.Equal("fake-qwen", status.ModelName);
    }

    [Fact]
    public async Task AWorkerRestartedWhileIdle_IsNeverSentPrefixHitsFromItsPreviousLife()
    {
        await using var fixture = await StartServingAsync();
        var first = await GenerateTextAsync(fixture, "abcdefghijklmnopqrst");

        fixture.Worker.Restart();
        var second = await GenerateTextAsync(fixture, "abcdefghijklmnopqrst");

        Assert.Equal(first, second);
        var served = LastNewRequestFor(fixture, fixture.Worker.InstanceId);
        Assert.Equal(0, served.NumComputedTokens);
    }

    [Fact]
    public async Task AWorkerRejoiningAsANewInstance_LeavesOnlyTheNewStepStreamOpen()
    {
        await using var fixture = await StartServingAsync();
        await GenerateTextAsync(fixture, "abc");
        Assert.Equal(1, fixture.Worker.OpenStreams);

        // Restarted while idle: the health check finds the new instance and the old lane leaves with its stream open.
        fixture.Worker.Restart();
        await WaitUntilAsync(async () => (await WaitForReadyAsync(fixture)).Workers.Single().InstanceId == fixture.Worker.InstanceId);
        var text = await GenerateTextAsync(fixture, "abc");

        Assert.Equal("def", text);
        await WaitUntilAsync(() => Task.FromResult(fixture.Worker.OpenStreams == 1));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var giveUp = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < giveUp, "the condition did not hold within 10 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Metrics_ServeTheEngineSeries_PerWorker_OverHttp2()
    {
        await using var fixture = await StartServingAsync();
        await GenerateTextAsync(fixture, "abc", maxTokens: 2);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{fixture.Channel.Target}/metrics")
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await http.SendAsync(request).WaitAsync(Timeout);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("vllm:kv_cache_usage_perc{model_name=\"fake-qwen\",worker=\"worker-0\"}", text);
        Assert.Contains("vllm:num_requests_running{", text);
        Assert.Contains("inference:steps_total{model_name=\"fake-qwen\",worker=\"worker-0\"}", text);
        Assert.Contains("vllm:request_success_total{finished_reason=\"length\",model_name=\"fake-qwen\"} 1", text);
    }

    private static Inference.Contracts.Worker.V1.NewRequest LastNewRequestFor(SchedulerServiceFixture fixture, string instanceId)
    {
        lock (fixture.Worker.Requests)
        {
            return fixture.Worker.Requests.Where(r => r.InstanceId == instanceId).SelectMany(r => r.NewRequests).Last();
        }
    }

    private static async Task<GetStatusResponse> WaitForReadyAsync(SchedulerServiceFixture fixture)
    {
        var client = new Generation.GenerationClient(fixture.Channel);
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var status = await client.GetStatusAsync(new GetStatusRequest()).ResponseAsync.WaitAsync(Timeout);
            if (status.Ready)
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, "the scheduler never became ready: " + string.Join(", ", status.NotReadyReasons));
            await Task.Delay(50);
        }
    }

    /// <summary>A scheduler with the fake worker, once GetStatus says it is ready.</summary>
    private static async Task<SchedulerServiceFixture> StartServingAsync()
    {
        var fixture = await SchedulerServiceFixture.StartAsync(withWorker: true);
        try
        {
            await WaitForReadyAsync(fixture);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    /// <summary>The text a Generate of <paramref name="prompt"/> streams (the fake worker's tokens: each the last + 1).</summary>
    private static async Task<string> GenerateTextAsync(SchedulerServiceFixture fixture, string prompt, int maxTokens = 3)
    {
        var client = new Generation.GenerationClient(fixture.Channel);
        using (var call = client.Generate(new GenerateRequest { Text = prompt, Stopping = new StoppingParams { MaxTokens = maxTokens } }))
        {
            var text = "";
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
            {
                text += call.ResponseStream.Current.TextDelta;
            }

            return text;
        }
    }
}

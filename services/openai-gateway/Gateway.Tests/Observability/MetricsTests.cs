using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Observability;

public sealed class MetricsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Metrics_AfterTwoCompletions_CountsThemUnderVllmNames()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"one"}""");
        await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"two"}]}""");

        var answer = await host.Http.GetAnswerAsync("/metrics");

        Assert.Equal(200, answer.Status);
        Assert.Equal("text/plain", answer.MediaType);
        var lines = answer.Text.Split('\n');
        var model = $"model_name=\"{FakeScheduler.ModelName}\"";
        Assert.Contains($"vllm:request_success_total{{finished_reason=\"length\",{model}}} 2", lines);
        Assert.Contains($"vllm:prompt_tokens_total{{{model}}} {2 * FakeScheduler.PromptTokens}", lines);
        Assert.Contains($"vllm:generation_tokens_total{{{model}}} 6", lines);
        Assert.Contains($"vllm:time_to_first_token_seconds_count{{{model}}} 2", lines);
        Assert.Contains($"vllm:e2e_request_latency_seconds_bucket{{{model},le=\"+Inf\"}} 2", lines);
        Assert.Contains("# TYPE vllm:e2e_request_latency_seconds histogram", lines);
    }

    [Fact]
    public async Task Metrics_FollowsTheGatewaysSeriesWithTheSchedulers()
    {
        var answer = await host.Http.GetAnswerAsync("/metrics");

        Assert.Equal(200, answer.Status);
        var lines = answer.Text.Split('\n').ToList();
        var schedulerGauge = lines.IndexOf("vllm:kv_cache_usage_perc{model_name=\"qwen-fake\",worker=\"worker-0\"} 0.25");
        Assert.True(schedulerGauge > lines.IndexOf("# TYPE vllm:e2e_request_latency_seconds histogram"));
        Assert.Contains("# TYPE vllm:num_requests_running gauge", lines);
    }

    [Fact]
    public async Task Metrics_AFamilyBothExport_KeepsOnlyTheSchedulersSeries()
    {
        host.Scheduler.MetricsText = """
            # TYPE vllm:request_success_total counter
            vllm:request_success_total{finished_reason="stop",worker="worker-0"} 99

            """;
        try
        {
            var answer = await host.Http.GetAnswerAsync("/metrics");

            var lines = answer.Text.Split('\n');
            Assert.Single(lines, l => l == "# TYPE vllm:request_success_total counter");
            Assert.Single(lines, l => l.StartsWith("vllm:request_success_total", StringComparison.Ordinal));
            Assert.Contains("vllm:request_success_total{finished_reason=\"stop\",worker=\"worker-0\"} 99", lines);
        }
        finally
        {
            host.Scheduler.MetricsText = FakeScheduler.DefaultMetricsText;
        }
    }
}

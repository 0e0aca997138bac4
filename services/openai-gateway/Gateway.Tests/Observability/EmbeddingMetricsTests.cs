using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Observability;

/// <summary>Each embedded input counts as one request under vLLM's names, as vLLM counts each pooled prompt (on a gateway of its own, so no other test's requests count).</summary>
public sealed class EmbeddingMetricsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Metrics_AfterAnEmbeddingsRequest_CountEachInputAsAStoppedRequest()
    {
        await host.Http.PostJsonAsync("/v1/embeddings", """{"input":["abc","defgh"]}""");

        var lines = (await host.Http.GetAnswerAsync("/metrics")).Text.Split('\n');

        var model = $"model_name=\"{FakeScheduler.ModelName}\"";
        Assert.Contains($"vllm:request_success_total{{finished_reason=\"stop\",{model}}} 2", lines);
        Assert.Contains($"vllm:prompt_tokens_total{{{model}}} 8", lines);
        Assert.Contains($"vllm:e2e_request_latency_seconds_bucket{{{model},le=\"+Inf\"}} 2", lines);
    }
}

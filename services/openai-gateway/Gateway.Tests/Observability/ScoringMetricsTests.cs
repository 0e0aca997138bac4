using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Observability;

/// <summary>
/// Each text a score or rerank request embeds counts as one request, as an embeddings input does (on a gateway of its
/// own, so no other test's requests count).
/// </summary>
public sealed class ScoringMetricsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Metrics_AfterScoreAndRerank_CountEachEmbeddedTextAsAStoppedRequest()
    {
        await host.Http.PostJsonAsync("/v1/score", """{"text_1":"abc","text_2":["defgh","abc"]}""");
        await host.Http.PostJsonAsync("/rerank", """{"query":"ij","documents":["klmn"]}""");

        var lines = (await host.Http.GetAnswerAsync("/metrics")).Text.Split('\n');

        var model = $"model_name=\"{FakeScheduler.ModelName}\"";
        Assert.Contains($"vllm:request_success_total{{finished_reason=\"stop\",{model}}} 4", lines);
        Assert.Contains($"vllm:prompt_tokens_total{{{model}}} {3 + 5 + 2 + 4}", lines);
        Assert.Contains($"vllm:e2e_request_latency_seconds_bucket{{{model},le=\"+Inf\"}} 4", lines);
    }
}

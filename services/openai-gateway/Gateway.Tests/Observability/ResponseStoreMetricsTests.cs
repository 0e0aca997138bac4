using Gateway.Tests.Hosting;

namespace Gateway.Tests.Observability;

/// <summary>The Responses API store's occupancy is a metric, on a gateway of its own so other tests' responses do not count.</summary>
public sealed class ResponseStoreMetricsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task StoredResponses_AreGaugedForTheOperator()
    {
        await host.Http.PostJsonAsync("/v1/responses", """{"input":"kept one"}""");
        await host.Http.PostJsonAsync("/v1/responses", """{"input":"kept two"}""");
        await host.Http.PostJsonAsync("/v1/responses", """{"input":"not kept","store":false}""");

        var lines = (await host.Http.GetAnswerAsync("/metrics")).Text.Split('\n');

        Assert.Contains("inference:responses_stored 2", lines);
        Assert.Contains(lines, l => l.StartsWith("inference:responses_stored_chars ", StringComparison.Ordinal) && long.Parse(l.Split(' ')[1]) > 0);
    }
}

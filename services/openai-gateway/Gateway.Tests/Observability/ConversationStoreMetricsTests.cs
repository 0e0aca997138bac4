using Gateway.Tests.Hosting;

namespace Gateway.Tests.Observability;

/// <summary>The conversation store's occupancy is a metric, on a gateway of its own so other tests' conversations do not count.</summary>
public sealed class ConversationStoreMetricsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task StoredConversations_AreGaugedForTheOperator()
    {
        await host.Http.PostJsonAsync("/v1/conversations", """{"items":[{"role":"user","content":"kept one"}]}""");
        await host.Http.PostJsonAsync("/v1/conversations", "{}");

        var lines = (await host.Http.GetAnswerAsync("/metrics")).Text.Split('\n');

        Assert.Contains("inference:conversations_stored 2", lines);
        Assert.Contains(lines, l => l.StartsWith("inference:conversations_stored_chars ", StringComparison.Ordinal) && long.Parse(l.Split(' ')[1]) > 0);
    }
}

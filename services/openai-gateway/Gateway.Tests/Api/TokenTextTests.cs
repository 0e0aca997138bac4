using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>Logprobs name each token by its text; the gateway asks the tokenizer for all new ids at once.</summary>
public sealed class TokenTextTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Logprobs_OfAFreshAnswer_CostOneTokenizerCallForAllItsTokenTexts()
    {
        var before = Volatile.Read(ref host.Tokenizer.DecodeEachCalls);

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"logprobs","logprobs":2}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(1, Volatile.Read(ref host.Tokenizer.DecodeEachCalls) - before);
    }
}

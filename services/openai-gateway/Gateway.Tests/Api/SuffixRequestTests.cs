using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>The completions API's suffix (fill in the middle): it reaches the scheduler beside the prompt, and echo with it is a 400.</summary>
public sealed class SuffixRequestTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Completions_Suffix_ReachesTheSchedulerBesideThePrompt()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"def add(a, b):","suffix":"\n\nprint(add(1, 2))"}""");

        Assert.Equal(200, answer.Status);
        var sent = Assert.Single(host.Scheduler.Requests, r => r.Text == "def add(a, b):");
        Assert.True(sent.HasSuffix);
        Assert.Equal("\n\nprint(add(1, 2))", sent.Suffix);
    }

    [Fact]
    public async Task Completions_EmptySuffix_IsStillAnInfill_AndNoSuffixIsNone()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"empty suffix","suffix":""}""");
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"no suffix"}""");

        Assert.True(Assert.Single(host.Scheduler.Requests, r => r.Text == "empty suffix").HasSuffix);
        Assert.False(Assert.Single(host.Scheduler.Requests, r => r.Text == "no suffix").HasSuffix);
    }

    [Fact]
    public async Task Completions_SuffixWithEcho_IsA400NamingSuffix()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"x","suffix":"y","echo":true}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("suffix", answer.Json.GetProperty("error").GetProperty("param").GetString());
    }
}

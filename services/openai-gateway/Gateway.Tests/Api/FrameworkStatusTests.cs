using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>Statuses the web framework decides on by itself still carry the OpenAI error envelope.</summary>
public sealed class FrameworkStatusTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task UnknownRoute_Returns404InTheEnvelope()
    {
        var answer = await host.Http.PostJsonAsync("/v1/no-such-thing", "{}");

        Assert.Equal(404, answer.Status);
        Assert.Equal("NotFoundError", answer.Error.GetProperty("type").GetString());
        Assert.Equal("Not Found: no route for POST /v1/no-such-thing.", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task WrongMethod_Returns405InTheEnvelopeNamingTheAllowedOne()
    {
        var answer = await host.Http.GetAnswerAsync("/v1/chat/completions");

        Assert.Equal(405, answer.Status);
        Assert.Equal(405, answer.Error.GetProperty("code").GetInt32());
        Assert.Contains("allowed: POST", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task HeadersTooLarge_Returns431InTheEnvelope()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Add("X-Padding", new string('a', 40 * 1024));

        var answer = await host.Http.SendAnswerAsync(request);

        Assert.Equal(431, answer.Status);
        Assert.Equal(431, answer.Error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task TooManyHeaders_Returns431InTheEnvelope()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        for (var i = 0; i < 150; i++)
        {
            request.Headers.Add($"X-H{i}", "v");
        }

        var answer = await host.Http.SendAnswerAsync(request);

        Assert.Equal(431, answer.Status);
        Assert.Contains("at most 100 headers", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task HeadersWithinTheLimit_AreServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Add("X-Padding", new string('a', 16 * 1024));

        var answer = await host.Http.SendAnswerAsync(request);

        Assert.Equal(200, answer.Status);
    }
}

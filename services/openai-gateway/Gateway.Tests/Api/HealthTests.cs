using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

public sealed class HealthTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Health_WhenServable_Returns200WithTheReadyWorkers()
    {
        host.Scheduler.NumWorkers = 2;
        try
        {
            var answer = await host.Http.GetAnswerAsync("/health");

            Assert.Equal(200, answer.Status);
            Assert.Equal("ok", answer.Json.GetProperty("status").GetString());
            Assert.Equal(2, answer.Json.GetProperty("workers").GetInt32());
        }
        finally
        {
            host.Scheduler.NumWorkers = 1;
        }
    }

    [Fact]
    public async Task Health_WithoutAReadyWorker_Returns503WithTheSchedulersReason()
    {
        host.Scheduler.NumWorkers = 0;
        try
        {
            var answer = await host.Http.GetAnswerAsync("/health");

            Assert.Equal(503, answer.Status);
            Assert.Equal("unavailable", answer.Json.GetProperty("status").GetString());
            Assert.Equal(["no ready worker"], Reasons(answer));
        }
        finally
        {
            host.Scheduler.NumWorkers = 1;
        }
    }

    [Fact]
    public async Task Health_WhenTheGatewaysTokenizerDoesNotAnswer_Returns503SayingSo()
    {
        host.Tokenizer.Down = true;
        try
        {
            var answer = await host.Http.GetAnswerAsync("/health");

            Assert.Equal(503, answer.Status);
            Assert.StartsWith("tokenizer (from the gateway) not reachable", Assert.Single(Reasons(answer)));
        }
        finally
        {
            host.Tokenizer.Down = false;
        }
    }

    [Fact]
    public async Task Ping_GetOrPost_AnswersAsHealthDoes()
    {
        Assert.Equal(200, (await host.Http.GetAnswerAsync("/ping")).Status);
        host.Scheduler.NumWorkers = 0;
        try
        {
            var answer = await host.Http.PostJsonAsync("/ping", "{}");

            Assert.Equal(503, answer.Status);
            Assert.Equal(["no ready worker"], Reasons(answer));
        }
        finally
        {
            host.Scheduler.NumWorkers = 1;
        }
    }

    internal static string[] Reasons(HttpAnswer answer) =>
        answer.Json.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray();
}

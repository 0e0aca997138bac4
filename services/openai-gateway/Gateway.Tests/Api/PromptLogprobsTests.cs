using System.Text.Json;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// vLLM's prompt_logprobs and OpenAI's echo with logprobs, against the fake scheduler's prompt (ids 1..7; position p
/// scored -0.25 p with rank p, alternatives "alt{k}" at -1 - k).
/// </summary>
public sealed class PromptLogprobsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Completions_PromptLogprobs_AreSentToTheScheduler()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"scored prompt","prompt_logprobs":2}""");

        Assert.Equal(2, SentWithText("scored prompt").Sampling.PromptLogprobs);
    }

    [Fact]
    public async Task Completions_PromptLogprobs_ReturnVllmsShapeOnTheChoice()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"shaped prompt","prompt_logprobs":1}""");

        Assert.Equal(200, answer.Status);
        var positions = answer.Json.GetProperty("choices")[0].GetProperty("prompt_logprobs");
        Assert.Equal(7, positions.GetArrayLength());
        Assert.Equal(JsonValueKind.Null, positions[0].ValueKind);
        var second = positions[2];
        Assert.Equal(["3", "200"], second.EnumerateObject().Select(p => p.Name));
        Assert.Equal((-0.5, 2, "\u0003"), Entry(second.GetProperty("3")));
        Assert.Equal((-1.0, 1, "alt0"), Entry(second.GetProperty("200")));
    }

    [Fact]
    public async Task Completions_WithoutPromptLogprobs_HaveNoPromptLogprobsField()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"plain prompt"}""");

        Assert.False(answer.Json.GetProperty("choices")[0].TryGetProperty("prompt_logprobs", out _));
    }

    [Fact]
    public async Task Completions_EchoWithLogprobs_ScoresThePromptWithAsManyAlternatives()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"echo scored","echo":true,"logprobs":2}""");

        Assert.Equal(2, SentWithText("echo scored").Sampling.PromptLogprobs);
    }

    [Fact]
    public async Task Completions_EchoWithLogprobs_StartTheLogprobsWithThePromptTokens()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"echo logprobs","echo":true,"logprobs":1}""");

        Assert.Equal(200, answer.Status);
        var choice = answer.Json.GetProperty("choices")[0];
        Assert.Equal("echo logprobsHello, world", choice.GetProperty("text").GetString());
        var logprobs = choice.GetProperty("logprobs");
        Assert.Equal([.. Enumerable.Range(1, 7).Select(id => ((char)id).ToString()), "tok0", "tok1", "tok2"],
            logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([null, -0.25, -0.5, -0.75, -1.0, -1.25, -1.5, -0.5, -0.5, -0.5], Doubles(logprobs.GetProperty("token_logprobs")));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 11, 15], logprobs.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()));
        var tops = logprobs.GetProperty("top_logprobs");
        Assert.Equal(JsonValueKind.Null, tops[0].ValueKind);
        Assert.Equal(["\u0002", "alt0"], tops[1].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Completions_EchoWithLogprobsStreamed_EachChoicesFirstChunkCarriesThePromptTokens()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"echo streamed","echo":true,"logprobs":0,"n":2,"stream":true}""");

        var choices = answer.SseChunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).ToArray();
        foreach (var index in new[] { 0, 1 })
        {
            var own = choices.Where(c => c.GetProperty("index").GetInt32() == index).ToArray();
            Assert.Equal("echo streamed", own[0].GetProperty("text").GetString());
            var prompt = own[0].GetProperty("logprobs");
            Assert.Equal([null, -0.25, -0.5, -0.75, -1.0, -1.25, -1.5], Doubles(prompt.GetProperty("token_logprobs")));
            var firstGenerated = own.First(c => c.GetProperty("logprobs").ValueKind == JsonValueKind.Object && c.GetProperty("text").GetString() != "echo streamed");
            Assert.Equal(7, firstGenerated.GetProperty("logprobs").GetProperty("text_offset")[0].GetInt32());
        }
    }

    [Fact]
    public async Task Chat_PromptLogprobs_ComeOnceOnTheResponse()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"messages":[{"role":"user","content":"chat scored"}],"prompt_logprobs":0,"n":2}""");

        Assert.Equal(200, answer.Status);
        var positions = answer.Json.GetProperty("prompt_logprobs");
        Assert.Equal(7, positions.GetArrayLength());
        Assert.Equal((-0.25, 1, "\u0002"), Entry(positions[1].GetProperty("2")));
        Assert.All(answer.Json.GetProperty("choices").EnumerateArray(), c => Assert.False(c.TryGetProperty("prompt_logprobs", out _)));
    }

    [Fact]
    public async Task Chat_PromptLogprobsStreamed_AreRefusedNamingTheField()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"prompt_logprobs":1,"stream":true}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("prompt_logprobs", answer.ErrorParam);
    }

    private static (double, int, string?) Entry(JsonElement entry) =>
        (entry.GetProperty("logprob").GetDouble(), entry.GetProperty("rank").GetInt32(), entry.GetProperty("decoded_token").GetString());

    private static double?[] Doubles(JsonElement values) =>
        [.. values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (double?)null : v.GetDouble())];

    private GenerateRequest SentWithText(string text) =>
        Assert.Single(host.Scheduler.Requests, r => r.PromptCase == GenerateRequest.PromptOneofCase.Text && r.Text == text);
}

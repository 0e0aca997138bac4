using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>What a request asks of the sampler: n choices (one per index, the prompt counted once in the usage), logit_bias, allowed_token_ids.</summary>
public sealed class SamplingRequestTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Completions_NThree_SendsNToTheSchedulerAndAnswersThreeChoices()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"three choices","n":3}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(3, Assert.Single(host.Scheduler.Requests, r => r.Text == "three choices").N);
        var choices = answer.Json.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal("Hello, world", c.GetProperty("text").GetString()));
        var usage = answer.Json.GetProperty("usage");
        Assert.Equal(FakeScheduler.PromptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(9, usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Chat_NTwoStreamed_EachChoiceGetsItsRoleContentAndFinish()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"two streamed"}],"n":2,"stream":true,"stream_options":{"include_usage":true}}""");

        Assert.Equal("[DONE]", answer.SseEvents[^1]);
        var choices = answer.SseChunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).ToArray();
        foreach (var index in new[] { 0, 1 })
        {
            var mine = choices.Where(c => c.GetProperty("index").GetInt32() == index).ToArray();
            Assert.Equal("assistant", mine[0].GetProperty("delta").GetProperty("role").GetString());
            Assert.Equal("Hello, world", string.Concat(mine.Select(c =>
                c.GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                    ? content.GetString() : "")));
            Assert.Equal("length", mine[^1].GetProperty("finish_reason").GetString());
            Assert.Single(mine, c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        }

        Assert.Equal(6, answer.SseChunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Chat_NTwoStreamedWithContinuousUsage_EachChunkCarriesItsChoicesUsageSoFar()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"two streamed"}],"n":2,"stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}}""");

        var chunks = answer.SseChunks;
        foreach (var index in new[] { 0, 1 })
        {
            var completion = CompletionTokensSoFar(chunks, index, promptTokens: 7);
            Assert.Equal(0, completion[0]); // the role chunk
            Assert.Equal(3, completion[^1]); // the finish chunk
            Assert.Equal(completion.Order(), completion);
        }

        Assert.Equal(6, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Completion_TwoPromptsStreamedWithContinuousUsage_EachChunkCarriesItsChoicesUsageSoFar()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/completions",
            """{"prompt":["c0 batch","c1 batch"],"echo":true,"stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}}""");

        var chunks = answer.SseChunks;
        foreach (var index in new[] { 0, 1 })
        {
            var completion = CompletionTokensSoFar(chunks, index, promptTokens: 7);
            Assert.Equal(0, completion[0]); // the echoed prompt
            Assert.Equal([0, 1, 2, 3], completion);
        }
    }

    [Fact]
    public async Task CacheSalt_ReachesTheScheduler_AndAnEmptyOneIsA400()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"salted","cache_salt":"tenant-a"}""");
        var empty = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"x","cache_salt":""}""");

        Assert.Equal("tenant-a", Assert.Single(host.Scheduler.Requests, r => r.Text == "salted").CacheSalt);
        Assert.Equal(400, empty.Status);
        Assert.Equal("cache_salt", empty.ErrorParam);
    }

    [Fact]
    public async Task ContinuousUsageWithoutIncludeUsage_Is400NamingStreamOptions()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/completions", """{"prompt":"x","stream":true,"stream_options":{"continuous_usage_stats":true}}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("stream_options", answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Chat_NTwo_AnswersTwoMessages()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"two whole"}],"n":2}""");

        var choices = answer.Json.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal("Hello, world", c.GetProperty("message").GetProperty("content").GetString()));
    }

    [Fact]
    public async Task TruncatePromptTokens_ReachesTheSchedulerOnBothEndpoints()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"truncated","truncate_prompt_tokens":-1}""");
        await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"truncated chat"}],"truncate_prompt_tokens":7}""");

        Assert.Equal(-1, Assert.Single(host.Scheduler.Requests, r => r.Text == "truncated").TruncatePromptTokens);
        Assert.Equal(7, Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("truncated chat", StringComparison.Ordinal) == true).TruncatePromptTokens);
    }

    [Fact]
    public async Task AddSpecialTokens_DefaultsToTrueForCompletionsAndFalseForChat()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"bos by default"}""");
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"no bos","add_special_tokens":false}""");
        await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"chat bos"}],"add_special_tokens":true}""");
        await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"chat default"}]}""");

        Assert.True(Assert.Single(host.Scheduler.Requests, r => r.Text == "bos by default").AddSpecialTokens);
        Assert.False(Assert.Single(host.Scheduler.Requests, r => r.Text == "no bos").AddSpecialTokens);
        Assert.True(Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("chat bos", StringComparison.Ordinal) == true).Chat.AddSpecialTokens);
        Assert.False(Assert.Single(host.Scheduler.Requests, r => r.Chat?.MessagesJson.Contains("chat default", StringComparison.Ordinal) == true).Chat.AddSpecialTokens);
    }

    [Fact]
    public async Task ReturnTokensAsTokenIds_NamesLogprobTokensByIdOnBothEndpoints()
    {
        var completion = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"ids","logprobs":1,"return_tokens_as_token_ids":true}""");
        var chat = await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"ids"}],"logprobs":true,"top_logprobs":1,"return_tokens_as_token_ids":true}""");

        var tokens = completion.Json.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
        Assert.NotEmpty(tokens);
        Assert.All(tokens, t => Assert.Matches("^token_id:[0-9]+$", t));
        var content = chat.Json.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").EnumerateArray().ToArray();
        Assert.NotEmpty(content);
        Assert.All(content, c =>
        {
            Assert.Matches("^token_id:[0-9]+$", c.GetProperty("token").GetString());
            Assert.All(c.GetProperty("top_logprobs").EnumerateArray(), top => Assert.Matches("^token_id:[0-9]+$", top.GetProperty("token").GetString()));
        });
    }

    [Fact]
    public async Task BadWords_ReachTheScheduler()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"no bad words","bad_words":["never"," this"]}""");

        Assert.Equal(["never", " this"], Assert.Single(host.Scheduler.Requests, r => r.Text == "no bad words").BadWords);
    }

    [Fact]
    public async Task Completions_LogitBiasAndAllowedTokenIds_ReachTheScheduler()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"biased","logit_bias":{"42":5.5,"7":-100},"allowed_token_ids":[7,42,9]}""");

        var sampling = Assert.Single(host.Scheduler.Requests, r => r.Text == "biased").Sampling;
        Assert.Equal(new Dictionary<int, float> { [42] = 5.5f, [7] = -100f }, sampling.LogitBias);
        Assert.Equal([7, 42, 9], sampling.AllowedTokenIds);
    }

    [Theory]
    [InlineData("/v1/completions", """{"prompt":"nothing allowed","allowed_token_ids":[]}""")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"nothing allowed"}],"allowed_token_ids":[]}""")]
    public async Task EmptyAllowedTokenIds_Returns400NamingIt(string path, string json)
    {
        // The engine's protocol carries an empty list as "no constraint": it must not get that far.
        var answer = await host.Http.PostJsonAsync(path, json);

        Assert.Equal(400, answer.Status);
        Assert.Equal("allowed_token_ids", answer.ErrorParam);
        Assert.DoesNotContain(host.Scheduler.Requests, r => r.Text == "nothing allowed");
    }

    [Fact]
    public async Task Completions_FourPromptsTimesNTwo_AnswersEightChoicesIndexedPromptTimesNPlusChoice()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":["p0 batch","p1 batch",[5,6,7],"p3 batch"],"n":2}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(3, host.Scheduler.Requests.Count(r => r.Text is "p0 batch" or "p1 batch" or "p3 batch" && r.N == 2));
        Assert.Contains(host.Scheduler.Requests, r => r.TokenIds?.Ids.SequenceEqual([5, 6, 7]) == true);
        var choices = answer.Json.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal(Enumerable.Range(0, 8), choices.Select(c => c.GetProperty("index").GetInt32()));
        var usage = answer.Json.GetProperty("usage");
        Assert.Equal(4 * FakeScheduler.PromptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(8 * 3, usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_TwoPromptsStreamed_EachIndexFinishesOnceThenUsageThenDone()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/completions", """{"prompt":["s0 batch","s1 batch"],"stream":true,"stream_options":{"include_usage":true}}""");

        Assert.Equal("[DONE]", answer.SseEvents[^1]);
        var choices = answer.SseChunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).ToArray();
        foreach (var index in new[] { 0, 1 })
        {
            var mine = choices.Where(c => c.GetProperty("index").GetInt32() == index).ToArray();
            Assert.Equal("Hello, world", string.Concat(mine.Select(c => c.GetProperty("text").GetString())));
            Assert.Single(mine, c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        }

        Assert.Equal(2 * FakeScheduler.PromptTokens, answer.SseChunks[^1].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_OnePromptOfABatchRefused_TheWholeRequestIsRefused()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":["fine batch",""]}""");

        Assert.Equal(400, answer.Status);
    }

    [Fact]
    public async Task Completions_Echo_PutsEachPromptsTextBeforeItsChoices()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":["Say: echo batch","Then: echo batch"],"n":2,"echo":true}""");

        var texts = answer.Json.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("text").GetString());
        Assert.Equal(["Say: echo batchHello, world", "Say: echo batchHello, world", "Then: echo batchHello, world", "Then: echo batchHello, world"], texts);
    }

    [Fact]
    public async Task Completions_EchoStreamed_EachChoiceStartsWithThePrompt()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"Streamed echo batch","echo":true,"stream":true}""");

        var texts = answer.SseChunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("text").GetString());
        Assert.Equal("Streamed echo batchHello, world", string.Concat(texts));
    }

    [Fact]
    public async Task Completions_BestOfThree_GeneratesThreeReturnsOneAndCountsEveryToken()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"best of three","best_of":3}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(3, Assert.Single(host.Scheduler.Requests, r => r.Text == "best of three").N);
        Assert.Single(answer.Json.GetProperty("choices").EnumerateArray());
        Assert.Equal(9, answer.Json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"prompt":"x","n":3,"best_of":2}""")]
    [InlineData("""{"prompt":"x","best_of":2,"stream":true}""")]
    public async Task Completions_BestOfBelowNOrStreamedAboveIt_Returns400NamingBestOf(string body)
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", body);

        Assert.Equal(400, answer.Status);
        Assert.Equal("best_of", answer.ErrorParam);
    }

    /// <summary>The usage of every chunk that carries only choice <paramref name="index"/>, in order.</summary>
    /// <summary>
    /// The usage of every chunk of choice <paramref name="index"/>, each checked to count the prompt's tokens and to add
    /// up (prompt + completion = total); returns their completion counts in order.
    /// </summary>
    private static int[] CompletionTokensSoFar(IEnumerable<JsonElement> chunks, int index, int promptTokens)
    {
        var usages = chunks.Where(c => c.GetProperty("choices") is { } choices && choices.GetArrayLength() == 1
                && choices[0].GetProperty("index").GetInt32() == index)
            .Select(c => c.GetProperty("usage")).ToArray();
        Assert.NotEmpty(usages);
        Assert.All(usages, usage =>
        {
            Assert.Equal(promptTokens, usage.GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(promptTokens + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
        });
        return [.. usages.Select(usage => usage.GetProperty("completion_tokens").GetInt32())];
    }
}

using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

public sealed class CompletionsTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Completions_NonStreaming_ReturnsTextFinishReasonAndUsage()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"qwen-fake","prompt":"Hi"}""");

        Assert.Equal(200, answer.Status);
        Assert.StartsWith("cmpl-", answer.Json.GetProperty("id").GetString());
        Assert.Equal("text_completion", answer.Json.GetProperty("object").GetString());
        Assert.True(answer.Json.GetProperty("created").GetInt64() > 1_600_000_000);
        Assert.Equal(FakeScheduler.ModelName, answer.Json.GetProperty("model").GetString());
        var choice = answer.Json.GetProperty("choices")[0];
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("Hello, world", choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        var usage = answer.Json.GetProperty("usage");
        Assert.Equal(7, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(10, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_MapsEverySamplingFieldToTheScheduler()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """
            {"prompt":"sampling map","max_tokens":5,"temperature":0.5,"top_p":0.9,"top_k":40,"min_p":0.1,"seed":42,
             "stop":["x","y"],"stop_token_ids":[7],"ignore_eos":true,"logprobs":2,"presence_penalty":0.5,
             "frequency_penalty":0.25,"repetition_penalty":1.1,"min_tokens":2,"skip_special_tokens":false,
             "include_stop_str_in_output":true,"priority":3}
            """);

        Assert.Equal(200, answer.Status);
        var sent = SentWithText("sampling map");
        Assert.True(sent.ParseSpecialTokens);
        Assert.Equal(3, sent.Priority);
        var s = sent.Sampling;
        var stop = sent.Stopping;
        Assert.Equal(5, stop.MaxTokens);
        Assert.Equal(0.5f, s.Temperature);
        Assert.Equal(0.9f, s.TopP);
        Assert.Equal(40, s.TopK);
        Assert.Equal(0.1f, s.MinP);
        Assert.Equal(42UL, s.Seed);
        Assert.Equal(["x", "y"], stop.Stop);
        Assert.Equal([7], stop.StopTokenIds);
        Assert.True(stop.IgnoreEos);
        Assert.Equal(2, s.Logprobs);
        Assert.Equal(0.5f, s.PresencePenalty);
        Assert.Equal(0.25f, s.FrequencyPenalty);
        Assert.Equal(1.1f, s.RepetitionPenalty);
        Assert.Equal(2, stop.MinTokens);
        Assert.True(sent.KeepSpecialTokens);
        Assert.True(stop.IncludeStopStrInOutput);
    }

    [Fact]
    public async Task Completions_WithoutMaxTokens_AsksForSixteenAndLeavesSamplingToTheModelDefaults()
    {
        await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"defaults","stop":"single"}""");

        var sent = SentWithText("defaults");
        Assert.Equal(16, sent.Stopping.MaxTokens);
        Assert.False(sent.Sampling.HasTemperature);
        Assert.False(sent.Sampling.HasTopP);
        Assert.False(sent.Sampling.HasSeed);
        Assert.Equal(["single"], sent.Stopping.Stop);
        Assert.False(sent.KeepSpecialTokens);
    }

    [Fact]
    public async Task Completions_TokenIdPrompt_SendsTokenIds()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":[[9001,9002,9003]]}""");

        Assert.Equal(200, answer.Status);
        Assert.Contains(host.Scheduler.Requests, r =>
            r.PromptCase == GenerateRequest.PromptOneofCase.TokenIds && r.TokenIds.Ids.SequenceEqual([9001, 9002, 9003]));
    }

    [Fact]
    public async Task Completions_Streaming_SendsOneChunkPerStepThenDone()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"stream me","stream":true}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("text/event-stream", answer.MediaType);
        var events = answer.SseEvents;
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToArray();
        Assert.Equal(["Hello", ",", " world"], chunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, chunks[0].GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.All(chunks, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
    }

    [Fact]
    public async Task Completions_StreamingWithIncludeUsage_EndsWithAUsageChunkWithoutChoices()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/completions",
            """{"prompt":"usage please","stream":true,"stream_options":{"include_usage":true}}""");

        var events = answer.SseEvents;
        var usageChunk = JsonDocument.Parse(events[^2]).RootElement;
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(10, usageChunk.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal("[DONE]", events[^1]);
    }

    [Fact]
    public async Task Completions_Logprobs_ReturnsTokenTextsOffsetsAndAlternatives()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"logprobs","logprobs":2}""");

        Assert.Equal(200, answer.Status);
        var logprobs = answer.Json.GetProperty("choices")[0].GetProperty("logprobs");
        Assert.Equal(["tok0", "tok1", "tok2"], logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([0, 4, 8], logprobs.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32()));
        Assert.All(logprobs.GetProperty("token_logprobs").EnumerateArray(), v => Assert.Equal(-0.5, v.GetDouble()));
        var top = logprobs.GetProperty("top_logprobs")[0];
        Assert.Equal(-1.0, top.GetProperty("alt0").GetDouble());
        Assert.Equal(-2.0, top.GetProperty("alt1").GetDouble());
        Assert.Equal(-0.5, top.GetProperty("tok0").GetDouble());
    }

    [Fact]
    public async Task Completions_StopString_ReportsStopAndTheMatchedString()
    {
        host.Scheduler.Script = r => r.Text == "stop here"
            ? new FakeReply(["Done"], FinishReason.StopString, "END")
            : FakeReply.Default;
        try
        {
            var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"stop here","stop":"END"}""");

            var choice = answer.Json.GetProperty("choices")[0];
            Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
            Assert.Equal("END", choice.GetProperty("stop_reason").GetString());
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StopTokenId_IsReportedAsANumber_WholeAndStreamed(bool stream)
    {
        // vLLM's stop_reason is the stop id itself (an int) when a stop_token_ids id ended the answer.
        host.Scheduler.Script = r => r.Text == "stop id" || r.Chat?.MessagesJson.Contains("\"stop id\"", StringComparison.Ordinal) == true
            ? new FakeReply(["Done"], FinishReason.Stop, "151645")
            : FakeReply.Default;
        try
        {
            var s = stream ? "true" : "false";
            var completion = await host.Http.PostJsonAsync("/v1/completions", $$"""{"prompt":"stop id","stop_token_ids":[151645],"stream":{{s}}}""");
            var chat = await host.Http.PostJsonAsync(
                "/v1/chat/completions", $$"""{"messages":[{"role":"user","content":"stop id"}],"stop_token_ids":[151645],"stream":{{s}}}""");

            foreach (var answer in new[] { completion, chat })
            {
                var choice = stream
                    ? answer.SseChunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).Single(c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String)
                    : answer.Json.GetProperty("choices")[0];
                Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
                Assert.Equal(JsonValueKind.Number, choice.GetProperty("stop_reason").ValueKind);
                Assert.Equal(151645, choice.GetProperty("stop_reason").GetInt32());
            }
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    private GenerateRequest SentWithText(string text) =>
        Assert.Single(host.Scheduler.Requests, r => r.PromptCase == GenerateRequest.PromptOneofCase.Text && r.Text == text);
}

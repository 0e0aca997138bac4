using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// OpenAI's Responses API (<c>POST /v1/responses</c>, <c>GET</c> and <c>DELETE /v1/responses/{id}</c>): each request
/// runs as the chat request it translates to, and its answer comes back as output items, whole or as named events.
/// </summary>
public sealed class ResponsesApiTests(GatewayHost host) : IClassFixture<GatewayHost>, IDisposable
{
    private const string WeatherTool =
        """[{"type":"function","name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]""";

    private static readonly string[] _toolCallPieces =
        ["Let me check. ", "<tool_", "call>\n{\"name\": \"get_weather\", \"arguments\": {\"ci", "ty\": \"Par", "is\"}}\n</tool_call>"];

    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task AStringInput_IsOneUserMessage_AfterTheInstructions_AndTheAnswerOneMessageItem()
    {
        Reply("plain", ["Hello", ",", " world"], FinishReason.Stop);

        var answer = await Post("""{"model":"qwen-fake","input":"plain","instructions":"Be brief.","temperature":0.5}""");

        Assert.Equal(200, answer.Status);
        var body = answer.Json;
        Assert.StartsWith("resp-", body.GetProperty("id").GetString());
        Assert.Equal("response", body.GetProperty("object").GetString());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.Equal("Be brief.", body.GetProperty("instructions").GetString());
        Assert.Equal(0.5, body.GetProperty("temperature").GetDouble());
        var message = Assert.Single(body.GetProperty("output").EnumerateArray());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("Hello, world", message.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("output_text", message.GetProperty("content")[0].GetProperty("type").GetString());
        var usage = body.GetProperty("usage");
        Assert.Equal(FakeScheduler.PromptTokens, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(FakeScheduler.PromptTokens + 3, usage.GetProperty("total_tokens").GetInt32());

        var sent = Sent("plain");
        Assert.Equal("""[{"role":"system","content":"Be brief."},{"role":"user","content":"plain"}]""", Compact(sent.Chat.MessagesJson));
        Assert.Equal(0.5f, sent.Sampling.Temperature);
    }

    [Fact]
    public async Task AnAnswerCutByMaxOutputTokens_IsIncomplete()
    {
        Reply("cut", ["Hel", "lo"], FinishReason.Length);

        var body = (await Post("""{"input":"cut","max_output_tokens":2}""")).Json;

        Assert.Equal("incomplete", body.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", body.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal("incomplete", body.GetProperty("output")[0].GetProperty("status").GetString());
        Assert.Equal(2, Sent("cut").Stopping.MaxTokens);
    }

    [Fact]
    public async Task Streamed_NamedEventsInOpenAisOrder_TheirTextTheWholeAnswers()
    {
        Reply("stream me", ["Hello", ",", " world"], FinishReason.Stop);

        var events = (await Post("""{"input":"stream me","stream":true}""")).SseNamedEvents;

        Assert.All(events, e => Assert.Equal(e.Name, e.Data.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
             "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
             "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"],
            events.Select(e => e.Name));
        Assert.Equal("in_progress", events[0].Data.GetProperty("response").GetProperty("status").GetString());
        Assert.Equal("Hello, world", string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => e.Data.GetProperty("delta").GetString())));
        Assert.Equal("Hello, world", events[7].Data.GetProperty("text").GetString());
        var final = events[^1].Data.GetProperty("response");
        Assert.Equal("completed", final.GetProperty("status").GetString());
        Assert.Equal("Hello, world", final.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(3, final.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        var itemId = events[2].Data.GetProperty("item").GetProperty("id").GetString();
        Assert.All(events.Where(e => e.Data.TryGetProperty("item_id", out _)), e => Assert.Equal(itemId, e.Data.GetProperty("item_id").GetString()));
    }

    [Fact]
    public async Task AStreamThatLosesTheScheduler_EndsWithOpenAisErrorEvent()
    {
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains("\"doomed\"", StringComparison.Ordinal) == true
            ? new FakeReply(["partial", "never"], FinishReason.Length, FailAfterFirst: Grpc.Core.StatusCode.Unavailable)
            : FakeReply.Default;

        var answer = await Post("""{"input":"doomed","stream":true}""");

        Assert.Equal(200, answer.Status);
        var events = answer.SseNamedEvents;
        Assert.Contains(events, e => e.Name == "response.output_text.delta" && e.Data.GetProperty("delta").GetString() == "partial");
        var (name, error) = events[^1];
        Assert.Equal("error", name);
        Assert.Equal("503", error.GetProperty("code").GetString());
        Assert.Contains("unavailable", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(events.Count - 1, error.GetProperty("sequence_number").GetInt32());
        Assert.DoesNotContain("[DONE]", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionTools_ReachTheTemplateInChatsForm_AndTheModelsCallsComeBackAsFunctionCallItems()
    {
        Reply("weather?", _toolCallPieces, FinishReason.Stop);

        var body = (await Post($$"""{"input":"weather?","tools":{{WeatherTool}}}""")).Json;

        var output = body.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["message", "function_call"], output.Select(o => o.GetProperty("type").GetString()));
        Assert.Equal("Let me check. ", output[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("get_weather", output[1].GetProperty("name").GetString());
        Assert.Equal("""{"city": "Paris"}""", output[1].GetProperty("arguments").GetString());
        Assert.StartsWith("call-", output[1].GetProperty("call_id").GetString());
        Assert.Equal(
            """[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""",
            Compact(Sent("weather?").Chat.ToolsJson));
    }

    [Fact]
    public async Task StreamedCalls_ArgumentDeltasConcatenateToTheArguments()
    {
        Reply("stream weather", _toolCallPieces, FinishReason.Stop);

        var events = (await Post($$"""{"input":"stream weather","tools":{{WeatherTool}},"stream":true}""")).SseNamedEvents;

        var callDone = events.Single(e => e.Name == "response.output_item.done" && e.Data.GetProperty("item").GetProperty("type").GetString() == "function_call").Data;
        var call = callDone.GetProperty("item");
        Assert.Equal(1, callDone.GetProperty("output_index").GetInt32());
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        var arguments = string.Concat(events.Where(e => e.Name == "response.function_call_arguments.delta").Select(e => e.Data.GetProperty("delta").GetString()));
        Assert.Equal(call.GetProperty("arguments").GetString(), arguments);
        Assert.Equal(arguments, events.Single(e => e.Name == "response.function_call_arguments.done").Data.GetProperty("arguments").GetString());
        var final = events[^1].Data.GetProperty("response").GetProperty("output");
        Assert.Equal(["message", "function_call"], final.EnumerateArray().Select(o => o.GetProperty("type").GetString()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ACallCutByMaxOutputTokens_IsTheLastItemAndIncomplete_WholeOrStreamed(bool stream)
    {
        var marker = stream ? "cut call streamed" : "cut call";
        Reply(marker, ["Let me check. <tool_call>{\"name\": \"get_weather\", \"arguments\": {\"ci", "ty\": \"Pa"], FinishReason.Length);

        var answer = await Post($$"""{"input":"{{marker}}","tools":{{WeatherTool}},"stream":{{(stream ? "true" : "false")}}}""");

        var body = stream ? answer.SseNamedEvents[^1].Data.GetProperty("response") : answer.Json;
        Assert.Equal("incomplete", body.GetProperty("status").GetString());
        var output = body.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["message", "function_call"], output.Select(o => o.GetProperty("type").GetString()));
        Assert.Equal(["completed", "incomplete"], output.Select(o => o.GetProperty("status").GetString()));
        Assert.Equal("{\"city\": \"Pa", output[1].GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task AToolRoundTrip_InInputItems_BecomesTheAssistantsCallAndTheToolsAnswer()
    {
        var input = """
            [{"role":"user","content":"round trip"},
             {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
             {"type":"function_call_output","call_id":"c1","output":"sunny"},
             {"type":"message","role":"user","content":[{"type":"input_text","text":"and"},{"type":"input_text","text":"then?"}]}]
            """;

        Assert.Equal(200, (await Post($$"""{"input":{{input}},"tools":{{WeatherTool}}}""")).Status);

        Assert.Equal(
            """[{"role":"user","content":"round trip"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"user","content":"and\nthen?"}]""",
            Compact(Sent("round trip").Chat.MessagesJson));
    }

    [Fact]
    public async Task PreviousResponseId_ContinuesTheStoredConversation_WithoutItsInstructions()
    {
        Reply("first turn", ["Hi", "!"], FinishReason.Stop);
        var first = (await Post("""{"input":"first turn","instructions":"Old rules."}""")).Json;

        var second = await Post($$"""{"input":"second turn","previous_response_id":"{{first.GetProperty("id").GetString()}}","instructions":"New rules."}""");

        Assert.Equal(200, second.Status);
        Assert.Equal(first.GetProperty("id").GetString(), second.Json.GetProperty("previous_response_id").GetString());
        Assert.Equal(
            """[{"role":"system","content":"New rules."},{"role":"user","content":"first turn"},{"role":"assistant","content":"Hi!"},{"role":"user","content":"second turn"}]""",
            Compact(Sent("second turn").Chat.MessagesJson));
    }

    [Fact]
    public async Task AStoredResponse_CanBeRetrievedAndDeleted_AndOneNotStoredIsA404()
    {
        Reply("keep me", ["Kept"], FinishReason.Stop);
        var kept = (await Post("""{"input":"keep me"}""")).Json;
        var id = kept.GetProperty("id").GetString();

        var got = await host.Http.GetAnswerAsync($"/v1/responses/{id}");
        Assert.Equal(200, got.Status);
        Assert.Equal(kept.GetRawText(), got.Json.GetRawText());

        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/v1/responses/{id}");
        var deleted = await host.Http.SendAnswerAsync(delete);
        Assert.Equal(200, deleted.Status);
        Assert.True(deleted.Json.GetProperty("deleted").GetBoolean());
        Assert.Equal(404, (await host.Http.GetAnswerAsync($"/v1/responses/{id}")).Status);

        var unstored = (await Post("""{"input":"keep me","store":false}""")).Json;
        Assert.False(unstored.GetProperty("store").GetBoolean());
        Assert.Equal(404, (await host.Http.GetAnswerAsync($"/v1/responses/{unstored.GetProperty("id").GetString()}")).Status);
        var chained = await Post($$"""{"input":"x","previous_response_id":"{{unstored.GetProperty("id").GetString()}}"}""");
        Assert.Equal(404, chained.Status);
        Assert.Equal("previous_response_id", chained.ErrorParam);
    }

    [Fact]
    public async Task InputItems_ListTheStoredInput_NewestFirstByDefault_PagedByLimitAndAfter()
    {
        Reply("listed", ["ok"], FinishReason.Stop);
        var input = """[{"role":"user","content":"listed"},{"type":"function_call","id":"fc-mine","call_id":"c1","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"42"}]""";
        var id = (await Post($$"""{"input":{{input}}}""")).Json.GetProperty("id").GetString();

        var all = (await host.Http.GetAnswerAsync($"/v1/responses/{id}/input_items")).Json;
        var asc = (await host.Http.GetAnswerAsync($"/v1/responses/{id}/input_items?order=asc&limit=2")).Json;
        var rest = (await host.Http.GetAnswerAsync($"/v1/responses/{id}/input_items?order=asc&after=fc-mine")).Json;

        Assert.Equal("list", all.GetProperty("object").GetString());
        Assert.Equal(["function_call_output", "function_call", "message"], all.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("type").GetString()));
        Assert.False(all.GetProperty("has_more").GetBoolean());
        var message = all.GetProperty("data")[2];
        Assert.Equal("listed", message.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("input_text", message.GetProperty("content")[0].GetProperty("type").GetString());
        Assert.StartsWith("msg-", message.GetProperty("id").GetString());
        Assert.Equal(["message", "function_call"], asc.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("type").GetString()));
        Assert.True(asc.GetProperty("has_more").GetBoolean());
        Assert.Equal("fc-mine", asc.GetProperty("last_id").GetString());
        Assert.Equal(["function_call_output"], rest.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("type").GetString()));
        Assert.Equal(400, (await host.Http.GetAnswerAsync($"/v1/responses/{id}/input_items?limit=0")).Status);
        var notANumber = await host.Http.GetAnswerAsync($"/v1/responses/{id}/input_items?limit=abc");
        Assert.Equal(400, notANumber.Status);
        Assert.Equal("limit", notANumber.ErrorParam);
        Assert.Equal(404, (await host.Http.GetAnswerAsync("/v1/responses/resp-none/input_items")).Status);
    }

    [Fact]
    public async Task TruncationAuto_LeavesOutTheOldestMessagesUntilThePromptFits_AToolCallWithItsAnswer()
    {
        Reply("fits now", ["ok"], FinishReason.Stop);
        var old = new string('a', 3000);
        var input = $$"""
            [{"role":"user","content":"{{old}}"},
             {"type":"function_call","call_id":"c1","name":"f","arguments":"{\"x\":\"{{old}}\"}"},
             {"type":"function_call_output","call_id":"c1","output":"{{old}}"},
             {"role":"user","content":"recent"},
             {"role":"assistant","content":"sure"},
             {"role":"user","content":"fits now"}]
            """;

        var answer = await Post($$"""{"input":{{input}},"instructions":"Rules.","truncation":"auto","max_output_tokens":100}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(
            """[{"role":"system","content":"Rules."},{"role":"user","content":"recent"},{"role":"assistant","content":"sure"},{"role":"user","content":"fits now"}]""",
            Compact(Sent("fits now").Chat.MessagesJson));
        Assert.Equal("auto", answer.Json.GetProperty("truncation").GetString());

        // The stored conversation keeps every message: the next response starts from all of them (and may cut again).
        Reply("next", ["ok"], FinishReason.Stop);
        await Post($$"""{"input":"next","previous_response_id":"{{answer.Json.GetProperty("id").GetString()}}"}""");
        Assert.Contains(old, Sent("next").Chat.MessagesJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncationAuto_APromptThatFits_IsSentWhole()
    {
        Reply("short", ["ok"], FinishReason.Stop);

        await Post("""{"input":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"short"}],"truncation":"auto"}""");

        Assert.Equal("""[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"short"}]""", Compact(Sent("short").Chat.MessagesJson));
    }

    [Theory]
    [InlineData("prompt", "The prompt (length 5000) is longer than the maximum model length of 4096.", "input", "The prompt (length 5000)")]
    [InlineData("max_tokens", "max_tokens (5000) is more than the 4089 positions left after the prompt.", "max_output_tokens", "max_output_tokens (5000) is more")]
    public async Task TheEnginesRefusals_NameTheResponsesFields(string field, string message, string param, string said)
    {
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains("\"refused\"", StringComparison.Ordinal) == true
            ? new FakeReply([], FinishReason.Stop, Refusal: (field, message))
            : FakeReply.Default;

        var answer = await Post("""{"input":"refused"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.ErrorParam);
        Assert.StartsWith(said, answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Background_AnswersQueuedAtOnce_AndGetPollsItToItsEnd()
    {
        Reply("in the background", ["Done", "."], FinishReason.Stop);

        var queued = await Post("""{"input":"in the background","background":true}""");

        Assert.Equal(200, queued.Status);
        Assert.Equal("queued", queued.Json.GetProperty("status").GetString());
        Assert.True(queued.Json.GetProperty("background").GetBoolean());
        Assert.Empty(queued.Json.GetProperty("output").EnumerateArray());
        var done = await PollAsync(queued.Json.GetProperty("id").GetString()!, "completed");
        Assert.Equal("Done.", done.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(2, done.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Background_CancelStopsARunInProgress_AndChainingOnItWaitsForItsEnd()
    {
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains("\"forever\"", StringComparison.Ordinal) == true
            ? new FakeReply(["first", "never"], FinishReason.Length, HangAfterFirst: true)
            : FakeReply.Default;
        var id = (await Post("""{"input":"forever","background":true}""")).Json.GetProperty("id").GetString()!;
        await PollAsync(id, "in_progress");

        var chained = await Post($$"""{"input":"next","previous_response_id":"{{id}}"}""");
        var cancelled = await host.Http.PostJsonAsync($"/v1/responses/{id}/cancel", "{}");

        Assert.Equal(400, chained.Status);
        Assert.Equal("previous_response_id", chained.ErrorParam);
        Assert.Equal(200, cancelled.Status);
        Assert.Equal("cancelled", cancelled.Json.GetProperty("status").GetString());
        var again = await host.Http.PostJsonAsync($"/v1/responses/{id}/cancel", "{}");
        Assert.Equal(400, again.Status);
        Assert.Equal(404, (await host.Http.PostJsonAsync("/v1/responses/resp-none/cancel", "{}")).Status);
    }

    [Fact]
    public async Task Background_ARunTheEngineRefuses_EndsFailedWithTheError()
    {
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains("\"too long\"", StringComparison.Ordinal) == true
            ? new FakeReply([], FinishReason.Stop, Refusal: ("prompt", "The prompt (length 9000) is longer than the maximum model length of 4096."))
            : FakeReply.Default;

        var id = (await Post("""{"input":"too long","background":true}""")).Json.GetProperty("id").GetString()!;

        var failed = await PollAsync(id, "failed");
        Assert.Equal("400", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.StartsWith("The prompt (length 9000)", failed.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> PollAsync(string id, string status)
    {
        using var deadline = new CancellationTokenSource(GatewayHost.Timeout);
        while (true)
        {
            var got = await host.Http.GetAnswerAsync($"/v1/responses/{id}");
            if (got.Json.GetProperty("status").GetString() == status)
            {
                return got.Json;
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    [Fact]
    public async Task TextFormatJsonSchema_ConstrainsTheOutput_AsResponseFormatDoes()
    {
        Reply("structured", ["{\"a\": 1}"], FinishReason.Stop);

        var answer = await Post("""{"input":"structured","text":{"format":{"type":"json_schema","name":"thing","schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("json_schema", answer.Json.GetProperty("text").GetProperty("format").GetProperty("type").GetString());
        var schema = Sent("structured").Sampling.StructuredOutput.JsonSchema;
        Assert.Contains("\"a\"", schema.Schema, StringComparison.Ordinal);
        Assert.True(schema.Strict);
    }

    [Fact]
    public async Task IncludeOutputTextLogprobs_PutsEachTokensLogprobInTheOutputText()
    {
        Reply("logprobs", ["Hello", ",", " world"], FinishReason.Stop);

        var body = (await Post("""{"input":"logprobs","include":["message.output_text.logprobs"],"top_logprobs":2}""")).Json;

        var logprobs = body.GetProperty("output")[0].GetProperty("content")[0].GetProperty("logprobs").EnumerateArray().ToList();
        Assert.Equal(3, logprobs.Count);
        Assert.Equal("tok0", logprobs[0].GetProperty("token").GetString());
        Assert.Equal(2, logprobs[0].GetProperty("top_logprobs").GetArrayLength());
        Assert.Equal(2, Sent("logprobs").Sampling.Logprobs);
    }

    [Fact]
    public async Task SharedSamplingFieldsPassOn_AndChatOnlyFieldsAreNotResponsesFields()
    {
        Reply("shared", ["ok"], FinishReason.Stop);

        Assert.Equal(200, (await Post("""{"input":"shared","top_k":5,"seed":7,"stop":["x"],"n":3,"max_tokens":1}""")).Status);

        var sampling = Sent("shared").Sampling;
        Assert.Equal(5, sampling.TopK);
        Assert.Equal(7UL, sampling.Seed);
        Assert.Equal(1, Sent("shared").N);
        Assert.False(Sent("shared").Stopping.HasMaxTokens);
    }

    [Theory]
    [InlineData("""{"model":"qwen-fake"}""", "input", "input is required")]
    [InlineData("""{"input":[{"role":"user","content":[{"type":"input_image","image_url":"http://x/y.png"}]}]}""", "input", "input[0].content[0] is an input_image part")]
    [InlineData("""{"input":[{"role":"robot","content":"x"}]}""", "input", "input[0].role must be one of")]
    [InlineData("""{"input":[{"type":"web_search_call","id":"w"}]}""", "input", "input[0].type \"web_search_call\" is not supported")]
    [InlineData("""{"input":[{"type":"item_reference","id":"msg-1"}]}""", "input", "item_reference")]
    [InlineData("""{"input":[{"type":"function_call","name":"f","arguments":"{}"}]}""", "input", "input[0].call_id is required")]
    [InlineData("""{"input":"x","tools":[{"type":"web_search"}]}""", "tools", "tools[0].type \"web_search\" is not supported")]
    [InlineData("""{"input":"x","tool_choice":{"type":"function","name":"nope"},"tools":[{"type":"function","name":"f"}]}""", "tool_choice", "not among the tools")]
    [InlineData("""{"input":"x","reasoning":{"effort":"high"}}""", "reasoning", "effort")]
    [InlineData("""{"input":"x","text":{"verbosity":"low"}}""", "text", "verbosity")]
    [InlineData("""{"input":"x","text":{"format":{"type":"json_schema","name":"a"}}}""", "text", "text.format.schema is required")]
    [InlineData("""{"input":"x","include":["reasoning.encrypted_content"]}""", "include", "message.output_text.logprobs")]
    [InlineData("""{"input":"x","truncation":"sometimes"}""", "truncation", "truncation must be \"auto\" or \"disabled\"")]
    [InlineData("""{"input":"x","background":true,"store":false}""", "background", "background needs store true")]
    [InlineData("""{"input":"x","prompt":{"id":"pmpt_1"}}""", "prompt", "no stored prompt templates")]
    [InlineData("""{"input":"x","max_output_tokens":0}""", "max_output_tokens", "at least 1")]
    [InlineData("""{"input":[]}""", "input", "input is an empty array")]
    [InlineData("""{"input":"x","metadata":{"n":1}}""", "metadata", "metadata.n must be a string")]
    [InlineData("""{"input":"x","metadata":[]}""", "metadata", "metadata")]
    [InlineData("""{"input":"x","stream_options":{"include_obfuscation":false}}""", "stream_options", "stream is true")]
    [InlineData("""{"input":"x","top_logprobs":21}""", "top_logprobs", "top_logprobs must be in [0, 20]")]
    public async Task BadRequests_Are400sNamingTheResponsesField(string body, string param, string message)
    {
        var answer = await Post(body);

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.ErrorParam);
        Assert.Contains(message, answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private Task<HttpAnswer> Post(string json) => host.Http.PostJsonAsync("/v1/responses", json);

    private void Reply(string marker, string[] pieces, FinishReason finish) =>
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) == true
            ? new FakeReply(pieces, finish)
            : FakeReply.Default;

    private GenerateRequest Sent(string marker) =>
        host.Scheduler.Requests.Last(r => r.Chat?.MessagesJson.Contains(marker, StringComparison.Ordinal) == true);

    private static string Compact(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

/// <summary>With a reasoning parser, the <c>&lt;think&gt;</c> block is a reasoning item ahead of the message.</summary>
public sealed class ResponsesReasoningTests(Qwen3ReasoningGatewayHost host) : IClassFixture<Qwen3ReasoningGatewayHost>, IDisposable
{
    private static readonly string[] _thinking = ["<think>", "\n", "The user", " greets", ".", "\n", "</think>", "\n\n", "Hello", "!"];

    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task TheThinkBlock_IsAReasoningItem_CountedInReasoningTokens()
    {
        host.Scheduler.Script = _ => new FakeReply(_thinking, FinishReason.Stop);

        var body = (await host.Http.PostJsonAsync("/v1/responses", """{"input":"hi"}""")).Json;

        var output = body.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["reasoning", "message"], output.Select(o => o.GetProperty("type").GetString()));
        Assert.Equal("The user greets.", output[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("Hello!", output[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(7, body.GetProperty("usage").GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task Streamed_ReasoningTextDeltasThenTheMessage()
    {
        host.Scheduler.Script = _ => new FakeReply(_thinking, FinishReason.Stop);

        var events = (await host.Http.PostJsonAsync("/v1/responses", """{"input":"hi","stream":true}""")).SseNamedEvents;

        Assert.Equal("The user greets.", string.Concat(events.Where(e => e.Name == "response.reasoning_text.delta").Select(e => e.Data.GetProperty("delta").GetString())));
        Assert.Equal("Hello!", string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => e.Data.GetProperty("delta").GetString())));
        var lastReasoning = events.ToList().FindLastIndex(e => e.Name.StartsWith("response.reasoning_text", StringComparison.Ordinal));
        var firstText = events.ToList().FindIndex(e => e.Name == "response.output_text.delta");
        Assert.True(lastReasoning < firstText);
        var final = events[^1].Data.GetProperty("response");
        Assert.Equal(["reasoning", "message"], final.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("type").GetString()));
        Assert.Equal(7, final.GetProperty("usage").GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task AReasoningItemInTheInput_IsTheReasoningOfTheAssistantMessageAfterIt()
    {
        var input = """[{"role":"user","content":"q1"},{"type":"reasoning","id":"rs-1","summary":[],"content":[{"type":"reasoning_text","text":"Think."}]},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"A1"}]},{"role":"user","content":"reasoned input"}]""";

        Assert.Equal(200, (await host.Http.PostJsonAsync("/v1/responses", $$"""{"input":{{input}}}""")).Status);

        var sent = host.Scheduler.Requests.Last(r => r.Chat?.MessagesJson.Contains("reasoned input", StringComparison.Ordinal) == true);
        Assert.Contains("\"reasoning\":\"Think.\"", JsonSerializer.Serialize(JsonDocument.Parse(sent.Chat.MessagesJson).RootElement), StringComparison.Ordinal);
    }
}

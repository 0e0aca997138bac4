using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>A gateway that logs each client that hangs up (at debug level), so a test knows when the gateway has seen it go.</summary>
public sealed class HangUpLoggingHost : GatewayHost
{
    protected override IEnumerable<string> ExtraArgs => ["--Logging:LogLevel:Gateway.Api.Errors.OpenAiErrorMiddleware", "Debug"];

    /// <summary>How many clients the gateway has logged hanging up on <paramref name="path"/>.</summary>
    public int HangUps(string path) => Logs.Entries.Count(e => e.Message == $"Client disconnected from {path}");

    /// <summary>Completes once the gateway has logged one more client hanging up on <paramref name="path"/> than <paramref name="before"/>.</summary>
    public async Task HungUpAsync(string path, int before)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (HangUps(path) <= before)
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}

/// <summary>
/// <c>background</c> with <c>stream</c>: the request answers with the background run's events, which outlive the
/// client and are streamed again by <c>GET /v1/responses/{id}?stream=true&amp;starting_after=N</c>, during the run
/// and after it.
/// </summary>
public sealed class ResponsesBackgroundStreamTests(HangUpLoggingHost host) : IClassFixture<HangUpLoggingHost>, IDisposable
{
    private const string Delta = "response.output_text.delta";

    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task TheEvents_AreAPlainStreams_BeginningQueued()
    {
        Reply("same events", new FakeReply(["Hello", ",", " world"], FinishReason.Stop));

        var plain = (await Post("""{"input":"same events","stream":true}""")).SseNamedEvents;
        var background = await Post("""{"input":"same events","stream":true,"background":true}""");

        Assert.Equal(200, background.Status);
        Assert.Equal("text/event-stream", background.MediaType);
        var events = background.SseNamedEvents;
        Assert.Equal([plain[0].Name, "response.queued", .. plain.Skip(1).Select(e => e.Name)], events.Select(e => e.Name));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        Assert.All(events.Take(2), e => Assert.Equal("queued", e.Data.GetProperty("response").GetProperty("status").GetString()));
        Assert.True(events[0].Data.GetProperty("response").GetProperty("background").GetBoolean());
        for (var i = 1; i < plain.Count; i++)
        {
            // The same event, but for its ids, sequence_number, created_at and background.
            Assert.Equal(Normalized(plain[i].Data), Normalized(events[i + 1].Data));
        }
    }

    [Fact]
    public async Task AClientThatHangsUp_ResumesAfterTheLastEventItSaw_WithNoGapAndNoRepeat()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Reply("resume me", new FakeReply(["One", " two", " three", " four"], FinishReason.Stop, Hold: (2, release.Task)));
        var hangUps = host.HangUps("/v1/responses");
        List<(string Name, JsonElement Data)> seen;
        using (var hangsUp = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = host.HttpAddress })
        await using (var creating = await NamedEventReader.PostAsync(hangsUp, "/v1/responses", """{"input":"resume me","stream":true,"background":true}"""))
        {
            seen = await creating.ReadThroughAsync(e => e.Name == Delta);
        }

        // Hung up after "One" (closing the connection, not draining it): " two" was generated before the hold, the rest
        // is generated after the gateway has seen the client go, while the response is streamed again.
        await host.HungUpAsync("/v1/responses", hangUps);
        var id = IdOf(seen);
        var lastSeen = SequenceOf(seen[^1]);
        await using var resumed = await NamedEventReader.GetAsync(host.Http, $"/v1/responses/{id}?stream=true&starting_after={lastSeen}");
        var rest = await resumed.ReadThroughAsync(e => e.Name == Delta);
        Assert.Equal("in_progress", (await Get(id)).Json.GetProperty("status").GetString());
        release.SetResult();
        rest.AddRange(await resumed.ReadToEndAsync());

        Assert.Equal(200, resumed.Status);
        Assert.Equal(Enumerable.Range(lastSeen + 1, rest.Count), rest.Select(SequenceOf));
        Assert.Equal("response.completed", rest[^1].Name);
        Assert.Equal("One two three four", string.Concat(seen.Concat(rest).Where(e => e.Name == Delta).Select(e => e.Data.GetProperty("delta").GetString())));
        var everything = (await Get($"{id}?stream=true")).SseNamedEvents;
        Assert.Equal(everything.Select(e => e.Data.GetRawText()), seen.Concat(rest).Select(e => e.Data.GetRawText()));
        var stored = (await Get(id)).Json;
        Assert.Equal("completed", stored.GetProperty("status").GetString());
        Assert.Equal("One two three four", stored.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task StreamedAgainAfterItEnded_ReplaysEveryEventAsFirstSent()
    {
        Reply("replay me", new FakeReply(["Once", " more"], FinishReason.Stop));
        var created = await Post("""{"input":"replay me","stream":true,"background":true}""");
        var id = IdOf(created.SseNamedEvents);

        var replayed = await Get($"{id}?stream=true");
        var afterTheLast = await Get($"{id}?stream=true&starting_after={created.SseNamedEvents.Count - 1}");
        var fromTheThird = await Get($"{id}?stream=true&starting_after=2");

        Assert.Equal(200, replayed.Status);
        Assert.Equal("text/event-stream", replayed.MediaType);
        Assert.Equal(created.Text, replayed.Text);
        Assert.Equal("response.completed", replayed.SseNamedEvents[^1].Name);
        Assert.Equal(200, afterTheLast.Status);
        Assert.Empty(afterTheLast.Text);
        Assert.Equal(created.SseNamedEvents.Skip(3).Select(e => e.Data.GetRawText()), fromTheThird.SseNamedEvents.Select(e => e.Data.GetRawText()));
    }

    [Fact]
    public async Task CancellingIt_EndsTheCreatingStreamAndAResumedOne_WithResponseCancelled()
    {
        Reply("cancel me", new FakeReply(["first", "never"], FinishReason.Length, HangAfterFirst: true));
        await using var creating = await NamedEventReader.PostAsync(host.Http, "/v1/responses", """{"input":"cancel me","stream":true,"background":true}""");
        var createdSeen = await creating.ReadThroughAsync(e => e.Name == Delta);
        var id = IdOf(createdSeen);
        await using var resumed = await NamedEventReader.GetAsync(host.Http, $"/v1/responses/{id}?stream=true");
        var resumedSeen = await resumed.ReadThroughAsync(e => e.Name == Delta);

        var cancelled = await host.Http.PostJsonAsync($"/v1/responses/{id}/cancel", "{}");

        Assert.Equal("cancelled", cancelled.Json.GetProperty("status").GetString());
        foreach (var (reader, seen) in new[] { (creating, createdSeen), (resumed, resumedSeen) })
        {
            var end = Assert.Single(await reader.ReadToEndAsync());
            Assert.Equal("response.cancelled", end.Name);
            Assert.Equal(SequenceOf(seen[^1]) + 1, SequenceOf(end));
            Assert.Equal(Normalized(cancelled.Json), Normalized(end.Data.GetProperty("response")));
        }

        await host.Scheduler.RequestCancelledAsync(id).WaitAsync(GatewayHost.Timeout);
    }

    [Fact]
    public async Task ARunTheEngineRefuses_EndsWithResponseFailed_CarryingTheError()
    {
        Reply("refused", new FakeReply([], FinishReason.Stop, Refusal: ("prompt", "The prompt (length 9000) is longer than the maximum model length of 4096.")));

        var events = (await Post("""{"input":"refused","stream":true,"background":true}""")).SseNamedEvents;

        Assert.Equal(["response.created", "response.queued", "response.failed"], events.Select(e => e.Name));
        var failed = events[^1].Data.GetProperty("response");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("400", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(failed.GetRawText(), JsonDocument.Parse((await Get(IdOf(events))).Text).RootElement.GetRawText());
    }

    [Fact]
    public async Task PolledWithoutStream_ItIsStoredAsAPlainBackgroundResponseIs()
    {
        Reply("polled", new FakeReply(["Done", "."], FinishReason.Stop));
        var plainQueued = (await Post("""{"input":"polled","background":true}""")).Json;
        var plainDone = await PollAsync(plainQueued.GetProperty("id").GetString()!, "completed");

        var events = (await Post("""{"input":"polled","background":true,"stream":true}""")).SseNamedEvents;
        var streamedDone = (await Get(IdOf(events))).Json;

        Assert.Equal(Normalized(plainQueued), Normalized(events[0].Data.GetProperty("response")));
        Assert.Equal(Normalized(plainDone), Normalized(streamedDone));
        Assert.Equal(Normalized(streamedDone), Normalized(events[^1].Data.GetProperty("response")));
    }

    [Fact]
    public async Task DeletingIt_ForgetsItsEvents()
    {
        Reply("deleted", new FakeReply(["Gone"], FinishReason.Stop));
        var id = IdOf((await Post("""{"input":"deleted","background":true,"stream":true}""")).SseNamedEvents);

        using var deleted = await host.Http.DeleteAsync($"/v1/responses/{id}");
        Assert.Equal(System.Net.HttpStatusCode.OK, deleted.StatusCode);

        Assert.Equal(404, (await Get($"{id}?stream=true")).Status);
    }

    [Theory]
    [InlineData("""{"input":"not streamed in the background"}""")]
    [InlineData("""{"input":"not streamed in the background","stream":true}""")]
    [InlineData("""{"input":"not streamed in the background","background":true}""")]
    public async Task StreamingAResponseNotCreatedWithBackgroundAndStream_IsA400NamingStream(string body)
    {
        var created = await Post(body);
        var id = created.MediaType == "text/event-stream" ? IdOf(created.SseNamedEvents) : created.Json.GetProperty("id").GetString()!;
        if (body.Contains("\"background\":true", StringComparison.Ordinal))
        {
            await PollAsync(id, "incomplete");
        }

        var answer = await Get($"{id}?stream=true");

        Assert.Equal(400, answer.Status);
        Assert.Equal("stream", answer.ErrorParam);
        Assert.Contains("created with background and stream", answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, (await Get(id)).Status);
    }

    [Theory]
    [InlineData("stream=true&starting_after=-1", "starting_after", "non-negative integer")]
    [InlineData("stream=true&starting_after=abc", "starting_after", "non-negative integer")]
    [InlineData("stream=true&starting_after=1.5", "starting_after", "non-negative integer")]
    [InlineData("stream=true&starting_after=", "starting_after", "non-negative integer")]
    [InlineData("starting_after=3", "starting_after", "set stream=true")]
    [InlineData("stream=false&starting_after=3", "starting_after", "set stream=true")]
    [InlineData("stream=maybe", "stream", "stream must be true or false")]
    public async Task BadStreamQueries_Are400sNamingTheParameter(string query, string param, string message)
    {
        var id = IdOf((await Post("""{"input":"bad queries","stream":true,"background":true}""")).SseNamedEvents);

        var answer = await Get($"{id}?{query}");

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.ErrorParam);
        Assert.Contains(message, answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamingAnUnknownResponse_IsA404()
    {
        var answer = await Get("resp-none?stream=true&starting_after=3");

        Assert.Equal(404, answer.Status);
        Assert.Equal("response_id", answer.ErrorParam);
    }

    [Fact]
    public async Task WithStoreFalse_ItIsRefused_AsBackgroundIs()
    {
        var answer = await Post("""{"input":"x","background":true,"stream":true,"store":false}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("background", answer.ErrorParam);
    }

    private Task<HttpAnswer> Post(string json) => host.Http.PostJsonAsync("/v1/responses", json);

    private Task<HttpAnswer> Get(string idAndQuery) => host.Http.GetAnswerAsync($"/v1/responses/{idAndQuery}");

    private void Reply(string marker, FakeReply reply) =>
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) == true ? reply : FakeReply.Default;

    private async Task<JsonElement> PollAsync(string id, string status)
    {
        using var deadline = new CancellationTokenSource(GatewayHost.Timeout);
        while (true)
        {
            var got = await Get(id);
            if (got.Json.GetProperty("status").GetString() == status)
            {
                return got.Json;
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    private static string IdOf(IReadOnlyList<(string Name, JsonElement Data)> events) =>
        events[0].Data.GetProperty("response").GetProperty("id").GetString()!;

    private static int SequenceOf((string Name, JsonElement Data) e) => e.Data.GetProperty("sequence_number").GetInt32();

    /// <summary>The JSON without what differs between two runs of one request: ids, created_at, sequence_number, background.</summary>
    private static string Normalized(JsonElement element)
    {
        var node = JsonNode.Parse(element.GetRawText())!;
        Strip(node);
        return node.ToJsonString();

        static void Strip(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var name in new[] { "id", "item_id", "call_id", "created_at", "sequence_number", "background" })
                    {
                        o.Remove(name);
                    }

                    foreach (var (_, value) in o)
                    {
                        Strip(value);
                    }

                    break;
                case JsonArray a:
                    foreach (var value in a)
                    {
                        Strip(value);
                    }

                    break;
            }
        }
    }
}

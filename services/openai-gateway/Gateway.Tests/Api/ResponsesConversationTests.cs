using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// The Responses API's <c>conversation</c>: the conversation's items come before the input, and a finished response
/// (whole, streamed, in the background, or both) adds its input items and then its output items to it.
/// </summary>
public sealed class ResponsesConversationTests(GatewayHost host) : IClassFixture<GatewayHost>, IDisposable
{
    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task TheConversationsItems_ComeBeforeTheInput_AfterTheInstructions()
    {
        var id = await CreateAsync("""[{"role":"user","content":"earlier question"},{"role":"assistant","content":"earlier answer"}]""");
        Reply("now whole", ["Now", "!"]);

        var answer = await Post($$"""{"input":"now whole","conversation":"{{id}}","instructions":"Be brief."}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(
            """[{"role":"system","content":"Be brief."},{"role":"user","content":"earlier question"},{"role":"assistant","content":"earlier answer"},{"role":"user","content":"now whole"}]""",
            Compact(Sent("now whole").Chat.MessagesJson));
        Assert.Equal($$"""{"id":"{{id}}"}""", answer.Json.GetProperty("conversation").GetRawText());
    }

    [Fact]
    public async Task AFinishedResponse_AddsItsInputThenItsOutput_ToTheConversation()
    {
        var id = await CreateAsync("""[{"role":"user","content":"earlier"}]""");
        Reply("added whole", ["Added", "."]);

        var answer = (await Post($$$"""{"input":"added whole","conversation":{"id":"{{{id}}}"}}""")).Json;

        var items = await ItemsAsync(id);
        Assert.Equal(["earlier", "added whole", "Added."], items.Select(Text));
        Assert.Equal(answer.GetProperty("output")[0].GetProperty("id").GetString(), items[^1].GetProperty("id").GetString());
        Assert.Equal("assistant", items[^1].GetProperty("role").GetString());
    }

    [Fact]
    public async Task TheNextResponse_ContinuesFromWhatTheLastOneAdded()
    {
        var id = await CreateAsync("[]");
        Reply("turn one", ["One"]);
        await Post($$"""{"input":"turn one","conversation":"{{id}}"}""");
        Reply("turn two", ["Two"]);

        await Post($$"""{"input":"turn two","conversation":"{{id}}"}""");

        Assert.Equal(
            """[{"role":"user","content":"turn one"},{"role":"assistant","content":"One"},{"role":"user","content":"turn two"}]""",
            Compact(Sent("turn two").Chat.MessagesJson));
    }

    [Fact]
    public async Task AStreamedResponse_AddsItsItemsOnceFinished()
    {
        var id = await CreateAsync("[]");
        Reply("streamed turn", ["Stre", "amed"]);

        var streamed = await Post($$"""{"input":"streamed turn","conversation":"{{id}}","stream":true}""");

        Assert.Equal(200, streamed.Status);
        Assert.Contains("response.completed", streamed.Text, StringComparison.Ordinal);
        Assert.Equal(["streamed turn", "Streamed"], (await ItemsAsync(id)).Select(Text));
    }

    [Fact]
    public async Task ABackgroundResponse_AddsItsItemsWhenItCompletes()
    {
        var id = await CreateAsync("[]");
        Reply("background turn", ["Back"]);

        var queued = (await Post($$"""{"input":"background turn","conversation":"{{id}}","background":true}""")).Json;

        await PollAsync(queued.GetProperty("id").GetString()!, "completed");
        Assert.Equal(["background turn", "Back"], (await ItemsAsync(id)).Select(Text));
    }

    [Fact]
    public async Task ABackgroundStream_AddsItsItemsWhenItCompletes()
    {
        var id = await CreateAsync("[]");
        Reply("background stream turn", ["Stream", "ed back"]);

        var events = (await Post($$"""{"input":"background stream turn","conversation":"{{id}}","background":true,"stream":true}""")).SseNamedEvents;

        Assert.Equal("response.completed", events[^1].Name);
        Assert.Equal(["background stream turn", "Streamed back"], (await ItemsAsync(id)).Select(Text));
    }

    [Fact]
    public async Task ConversationWithPreviousResponseId_IsA400NamingConversation_BeforeEitherIsLookedUp()
    {
        var id = await CreateAsync("[]");

        var answer = await Post($$"""{"input":"x","conversation":"{{id}}","previous_response_id":"resp-none"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("conversation", answer.ErrorParam);
        Assert.Empty(await ItemsAsync(id));
    }

    [Theory]
    [InlineData("\"conv-none\"", 404)]
    [InlineData("{\"id\":\"conv-none\"}", 404)]
    [InlineData("{}", 400)]
    [InlineData("1", 400)]
    public async Task AnUnknownOrMalformedConversation_IsRefusedNamingConversation(string conversation, int status)
    {
        var answer = await Post($$"""{"input":"x","conversation":{{conversation}}}""");

        Assert.Equal(status, answer.Status);
        Assert.Equal("conversation", answer.ErrorParam);
    }

    private async Task<string> CreateAsync(string items) =>
        (await host.Http.PostJsonAsync("/v1/conversations", $$"""{"items":{{items}}}""")).Json.GetProperty("id").GetString()!;

    private async Task<JsonElement[]> ItemsAsync(string id) =>
        [.. (await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items?order=asc")).Json.GetProperty("data").EnumerateArray()];

    private static string? Text(JsonElement item) => item.GetProperty("content")[0].GetProperty("text").GetString();

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

    private Task<HttpAnswer> Post(string json) => host.Http.PostJsonAsync("/v1/responses", json);

    private void Reply(string marker, string[] pieces) =>
        host.Scheduler.Script = r => r.Chat?.MessagesJson.Contains($"\"{marker}\"", StringComparison.Ordinal) == true
            ? new FakeReply(pieces, FinishReason.Stop)
            : FakeReply.Default;

    private GenerateRequest Sent(string marker) =>
        host.Scheduler.Requests.Last(r => r.Chat?.MessagesJson.Contains(marker, StringComparison.Ordinal) == true);

    private static string Compact(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>
/// OpenAI's Conversations API: <c>/v1/conversations</c> and its items, kept in the gateway's memory, with OpenAI's
/// shapes, paging and 404s.
/// </summary>
public sealed class ConversationsApiTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    private const string ThreeItems =
        """[{"role":"user","content":"hi"},{"type":"function_call","id":"fc-mine","call_id":"c1","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"42"}]""";

    [Fact]
    public async Task Create_ReturnsTheConversationObject_WhichGetReadsAgain()
    {
        var created = await host.Http.PostJsonAsync("/v1/conversations", """{"metadata":{"topic":"demo"}}""");

        Assert.Equal(200, created.Status);
        var id = created.Json.GetProperty("id").GetString()!;
        Assert.StartsWith("conv-", id, StringComparison.Ordinal);
        Assert.Equal("conversation", created.Json.GetProperty("object").GetString());
        Assert.True(created.Json.GetProperty("created_at").GetInt64() > 0);
        Assert.Equal("demo", created.Json.GetProperty("metadata").GetProperty("topic").GetString());
        Assert.Equal(created.Text, (await host.Http.GetAnswerAsync($"/v1/conversations/{id}")).Text);
    }

    [Fact]
    public async Task Update_ReplacesTheMetadata()
    {
        var id = await CreateAsync("""{"metadata":{"topic":"old"}}""");

        var updated = await host.Http.PostJsonAsync($"/v1/conversations/{id}", """{"metadata":{"owner":"me"}}""");

        Assert.Equal(200, updated.Status);
        Assert.Equal("""{"owner":"me"}""", updated.Json.GetProperty("metadata").GetRawText());
        Assert.Equal(updated.Text, (await host.Http.GetAnswerAsync($"/v1/conversations/{id}")).Text);
    }

    [Fact]
    public async Task Delete_AnswersDeleted_ThenTheConversationIsA404()
    {
        var id = await CreateAsync("{}");

        var deleted = await DeleteAsync($"/v1/conversations/{id}");

        Assert.Equal(200, deleted.Status);
        Assert.Equal($$"""{"id":"{{id}}","object":"conversation.deleted","deleted":true}""", deleted.Text);
        Assert.Equal(404, (await host.Http.GetAnswerAsync($"/v1/conversations/{id}")).Status);
        Assert.Equal(404, (await DeleteAsync($"/v1/conversations/{id}")).Status);
    }

    [Fact]
    public async Task AnUnknownConversation_IsA404OnEveryRoute()
    {
        const string unknown = "/v1/conversations/conv-none";

        HttpAnswer[] answers =
        [
            await host.Http.GetAnswerAsync(unknown),
            await host.Http.PostJsonAsync(unknown, """{"metadata":{}}"""),
            await host.Http.GetAnswerAsync($"{unknown}/items"),
            await host.Http.PostJsonAsync($"{unknown}/items", """{"items":[{"role":"user","content":"x"}]}"""),
            await host.Http.GetAnswerAsync($"{unknown}/items/msg-none"),
            await DeleteAsync($"{unknown}/items/msg-none"),
        ];

        Assert.All(answers, a => Assert.Equal(404, a.Status));
        Assert.All(answers, a => Assert.Equal("conversation_id", a.ErrorParam));
    }

    [Fact]
    public async Task Items_ListNewestFirstByDefault_PagedByLimitAndAfter_AsInputItemsAre()
    {
        var id = await CreateAsync($$"""{"items":{{ThreeItems}}}""");

        var all = (await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items")).Json;
        var asc = (await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items?order=asc&limit=2")).Json;
        var rest = (await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items?order=asc&after=fc-mine")).Json;

        Assert.Equal("list", all.GetProperty("object").GetString());
        Assert.Equal(["function_call_output", "function_call", "message"], Types(all));
        Assert.False(all.GetProperty("has_more").GetBoolean());
        var message = all.GetProperty("data")[2];
        Assert.StartsWith("msg-", message.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("""[{"type":"input_text","text":"hi"}]""", message.GetProperty("content").GetRawText());
        Assert.Equal(["message", "function_call"], Types(asc));
        Assert.True(asc.GetProperty("has_more").GetBoolean());
        Assert.Equal("fc-mine", asc.GetProperty("last_id").GetString());
        Assert.Equal(["function_call_output"], Types(rest));
        Assert.Equal(400, (await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items?limit=101")).Status);
        var notANumber = await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items?limit=2.5");
        Assert.Equal(400, notANumber.Status);
        Assert.Equal("limit", notANumber.ErrorParam);
        Assert.Equal(400, (await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items?after=fc-other")).Status);
    }

    [Fact]
    public async Task AddedItems_ComeBackWithIds_AfterTheOthers()
    {
        var id = await CreateAsync("""{"items":[{"role":"user","content":"first"}]}""");

        var added = await host.Http.PostJsonAsync(
            $"/v1/conversations/{id}/items", """{"items":[{"type":"message","role":"assistant","content":"second"},{"role":"user","content":"third"}]}""");

        Assert.Equal(200, added.Status);
        Assert.Equal("list", added.Json.GetProperty("object").GetString());
        Assert.False(added.Json.GetProperty("has_more").GetBoolean());
        var data = added.Json.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal("output_text", data[0].GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal(data[0].GetProperty("id").GetString(), added.Json.GetProperty("first_id").GetString());
        Assert.Equal(data[1].GetProperty("id").GetString(), added.Json.GetProperty("last_id").GetString());
        Assert.Equal(["first", "second", "third"], Texts((await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items?order=asc")).Json));
    }

    [Fact]
    public async Task AnItem_CanBeReadAndDeleted_DeleteReturningTheConversation()
    {
        var id = await CreateAsync($$"""{"items":{{ThreeItems}}}""");

        var item = await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items/fc-mine");
        var deleted = await DeleteAsync($"/v1/conversations/{id}/items/fc-mine");

        Assert.Equal(200, item.Status);
        Assert.Equal("function_call", item.Json.GetProperty("type").GetString());
        Assert.Equal("c1", item.Json.GetProperty("call_id").GetString());
        Assert.Equal(200, deleted.Status);
        Assert.Equal("conversation", deleted.Json.GetProperty("object").GetString());
        Assert.Equal(id, deleted.Json.GetProperty("id").GetString());
        Assert.Equal(["function_call_output", "message"], Types((await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items")).Json));
        var gone = await host.Http.GetAnswerAsync($"/v1/conversations/{id}/items/fc-mine");
        Assert.Equal(404, gone.Status);
        Assert.Equal("item_id", gone.ErrorParam);
        Assert.Equal(404, (await DeleteAsync($"/v1/conversations/{id}/items/fc-mine")).Status);
    }

    [Theory]
    [InlineData("""{"items":{}}""", "items", "must be an array of items")]
    [InlineData("""{"items":[{"type":"web_search_call"}]}""", "items", "items[0].type \"web_search_call\" is not supported")]
    [InlineData("""{"items":[{"role":"user","content":[{"type":"input_image","image_url":"x"}]}]}""", "items", "text only")]
    [InlineData("""{"metadata":{"n":1}}""", "metadata", "metadata.n must be a string")]
    [InlineData("""{"metadata":{"k":"{{long}}"}}""", "metadata", "at most 512 characters")]
    public async Task BadBodies_Are400sNamingTheField(string body, string param, string message)
    {
        var answer = await host.Http.PostJsonAsync("/v1/conversations", body.Replace("{{long}}", new string('v', 513), StringComparison.Ordinal));

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.ErrorParam);
        Assert.Contains(message, answer.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MoreThanTwentyItems_OrSeventeenMetadataKeys_Are400s()
    {
        var items = string.Join(",", Enumerable.Repeat("""{"role":"user","content":"x"}""", 21));
        var metadata = string.Join(",", Enumerable.Range(0, 17).Select(i => $"\"k{i}\":\"v\""));

        var tooManyItems = await host.Http.PostJsonAsync("/v1/conversations", $$"""{"items":[{{items}}]}""");
        var tooManyKeys = await host.Http.PostJsonAsync("/v1/conversations", "{\"metadata\":{" + metadata + "}}");

        Assert.Equal(400, tooManyItems.Status);
        Assert.Equal("items", tooManyItems.ErrorParam);
        Assert.Equal(400, tooManyKeys.Status);
        Assert.Equal("metadata", tooManyKeys.ErrorParam);
    }

    [Fact]
    public async Task AddingNoItems_IsA400NamingItems_WhileANewConversationMayStartEmpty()
    {
        var created = await host.Http.PostJsonAsync("/v1/conversations", """{"items":[]}""");
        var id = created.Json.GetProperty("id").GetString();

        var added = await host.Http.PostJsonAsync($"/v1/conversations/{id}/items", """{"items":[]}""");

        Assert.Equal(200, created.Status);
        Assert.Equal(400, added.Status);
        Assert.Equal("items", added.ErrorParam);
        Assert.Contains("at least one item", added.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> CreateAsync(string body) =>
        (await host.Http.PostJsonAsync("/v1/conversations", body)).Json.GetProperty("id").GetString()!;

    private async Task<HttpAnswer> DeleteAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        return await host.Http.SendAnswerAsync(request);
    }

    private static IEnumerable<string?> Types(JsonElement list) =>
        list.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("type").GetString());

    private static IEnumerable<string?> Texts(JsonElement list) =>
        list.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("content")[0].GetProperty("text").GetString());
}

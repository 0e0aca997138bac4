using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// vLLM's return_token_ids: the prompt's ids and the generated ids beside the text, whole and streamed (where a
/// choice's chunks' ids put together are all its tokens, text held back by a filter included).
/// </summary>
public sealed class ReturnTokenIdsTests(GatewayHost host) : IClassFixture<GatewayHost>, IDisposable
{
    /// <summary>The fake scheduler's prompt ids (1..7) and its piece i's token id (100 + i).</summary>
    private static readonly int[] _promptIds = [.. Enumerable.Range(1, FakeScheduler.PromptTokens)];

    public void Dispose() => host.Scheduler.Script = _ => FakeReply.Default;

    [Fact]
    public async Task Completions_EachChoiceCarriesItsPromptIdsAndTokenIds()
    {
        var body = (await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"hi","n":2,"return_token_ids":true}""")).Json;

        foreach (var choice in body.GetProperty("choices").EnumerateArray())
        {
            Assert.Equal(_promptIds, Ints(choice.GetProperty("prompt_token_ids")));
            Assert.Equal([100, 101, 102], Ints(choice.GetProperty("token_ids")));
        }
    }

    [Fact]
    public async Task Completions_Streamed_PromptIdsInEachChoicesFirstChunk_TokenIdsChunkByChunk()
    {
        var chunks = (await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"hi","n":2,"stream":true,"return_token_ids":true}""")).SseChunks;

        foreach (var index in new[] { 0, 1 })
        {
            var own = chunks.Select(c => c.GetProperty("choices")[0]).Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal(_promptIds, Ints(own[0].GetProperty("prompt_token_ids")));
            Assert.All(own.Skip(1), c => Assert.False(c.TryGetProperty("prompt_token_ids", out _)));
            Assert.Equal([100, 101, 102], own.SelectMany(c => Ints(c.GetProperty("token_ids"))));
        }
    }

    [Fact]
    public async Task Chat_TheResponseCarriesThePromptIds_EachChoiceItsTokenIds()
    {
        var body = (await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"return_token_ids":true}""")).Json;

        Assert.Equal(_promptIds, Ints(body.GetProperty("prompt_token_ids")));
        Assert.Equal([100, 101, 102], Ints(body.GetProperty("choices")[0].GetProperty("token_ids")));
    }

    [Fact]
    public async Task Chat_Streamed_TokenIdsOfTextAToolFilterHeldBack_StillArrive()
    {
        host.Scheduler.Script = _ => new FakeReply(["Let me check. ", "<tool_", "call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>"], FinishReason.Stop);

        var chunks = (await host.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"stream":true,"return_token_ids":true}""")).SseChunks;

        Assert.Equal(_promptIds, Ints(chunks[0].GetProperty("prompt_token_ids")));
        Assert.All(chunks.Skip(1), c => Assert.False(c.TryGetProperty("prompt_token_ids", out _)));
        Assert.Equal([100, 101, 102], chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .SelectMany(c => c.TryGetProperty("token_ids", out var ids) ? Ints(ids) : []));
    }

    [Fact]
    public async Task WithoutIt_NoIdsAreWritten()
    {
        var body = (await host.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}]}""")).Json;

        Assert.False(body.TryGetProperty("prompt_token_ids", out _));
        Assert.False(body.GetProperty("choices")[0].TryGetProperty("token_ids", out _));
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}

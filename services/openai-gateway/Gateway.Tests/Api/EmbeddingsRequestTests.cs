using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary><c>POST /v1/embeddings</c> reads its body: what it refuses (each 400 naming the field) and what it passes to the scheduler.</summary>
public sealed class EmbeddingsRequestTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public EmbeddingsRequestTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Theory]
    [InlineData("""{"model":"qwen-fake"}""", "input")]
    [InlineData("""{"input":null}""", "input")]
    [InlineData("""{"input":""}""", "input")]
    [InlineData("""{"input":[]}""", "input")]
    [InlineData("""{"input":[[]]}""", "input")]
    [InlineData("""{"input":5}""", "input")]
    [InlineData("""{"input":{"text":"a"}}""", "input")]
    [InlineData("""{"input":[true]}""", "input")]
    [InlineData("""{"input":[null]}""", "input")]
    [InlineData("""{"input":[1.5]}""", "input")]
    [InlineData("""{"input":[4294967296]}""", "input")]
    [InlineData("""{"input":[["a"]]}""", "input")]
    [InlineData("""{"input":["a",1]}""", "input")]
    [InlineData("""{"input":[1,"a"]}""", "input")]
    [InlineData("""{"input":["a",[1]]}""", "input")]
    [InlineData("""{"input":[[1],"a"]}""", "input")]
    [InlineData("""{"input":["a",""]}""", "input")]
    [InlineData("""{"input":"a","encoding_format":"bytes"}""", "encoding_format")]
    [InlineData("""{"input":"a","encoding_format":5}""", "encoding_format")]
    [InlineData("""{"input":"a","dimensions":0}""", "dimensions")]
    [InlineData("""{"input":"a","dimensions":-3}""", "dimensions")]
    [InlineData("""{"input":"a","dimensions":"4"}""", "dimensions")]
    [InlineData("""{"input":"a","truncate_prompt_tokens":0}""", "truncate_prompt_tokens")]
    [InlineData("""{"input":"a","truncate_prompt_tokens":-2}""", "truncate_prompt_tokens")]
    [InlineData("""{"input":"a","normalize":"yes"}""", "normalize")]
    [InlineData("""{"input":"a","add_special_tokens":1}""", "add_special_tokens")]
    [InlineData("""{"input":"a","priority":"high"}""", "priority")]
    [InlineData("""{"input":"a","request_id":""}""", "request_id")]
    [InlineData("""{"input":"a","cache_salt":""}""", "cache_salt")]
    [InlineData("""{"input":"a","user":5}""", "user")]
    [InlineData("""{"input":"a","model":5}""", "model")]
    [InlineData("""{"input":"a","messages":[{"role":"user","content":"hi"}]}""", "messages")]
    [InlineData("""{"messages":[]}""", "messages")]
    [InlineData("""{"messages":"hi"}""", "messages")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"continue_final_message":true,"add_generation_prompt":true}""", "continue_final_message")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"chat_template":"{{ messages }}"}""", "chat_template")]
    [InlineData("""{"input":"a","embed_dtype":"float64"}""", "embed_dtype")]
    [InlineData("""{"input":"a","embed_dtype":5}""", "embed_dtype")]
    [InlineData("""{"input":"a","endianness":"middle"}""", "endianness")]
    public async Task InvalidField_Returns400NamingIt_AndEmbedsNothing(string json, string field)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.Contains(field, answer.Error.GetProperty("message").GetString());
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }

    [Theory]
    [InlineData("""{"input":["a","b",""]}""", "input[2] is an empty string")]
    [InlineData("""{"input":[[1],[2],[]]}""", "input[2] is an empty array of token ids")]
    [InlineData("""{"input":["a",[1]]}""", "input[1] is an array but input[0] is a string")]
    [InlineData("""{"input":[[1,2],[3,"x"]]}""", "input[1][1] must be a token id")]
    [InlineData("""{"input":[1,"x"]}""", "input[1] must be a token id")]
    public async Task InvalidItem_MessageSaysWhichOne(string json, string message)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal("input", answer.ErrorParam);
        Assert.StartsWith(message, answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task MoreThan2048Inputs_Returns400NamingInput()
    {
        var inputs = string.Join(",", Enumerable.Repeat("\"a\"", 2049));

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", $$"""{"input":[{{inputs}}]}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("input", answer.ErrorParam);
        Assert.Contains("2048", answer.Error.GetProperty("message").GetString());
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }

    [Fact]
    public async Task UnknownModel_Returns404NamingModel()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"a","model":"text-embedding-3-small"}""");

        Assert.Equal(404, answer.Status);
        Assert.Equal("model", answer.ErrorParam);
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }

    [Theory]
    [InlineData("""{"input":"a","model":"qwen-fake"}""")]
    [InlineData("""{"input":"a","model":""}""")]
    [InlineData("""{"input":"a","user":"user-1","encoding_format":"float","embed_dtype":"float32","endianness":"little","messages":null}""")]
    [InlineData("""{"input":"a","endianness":"native","dimensions":null,"normalize":null,"truncate_prompt_tokens":null}""")]
    public async Task AcceptedFields_Return200(string json)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", json);

        Assert.Equal(200, answer.Status);
    }

    [Fact]
    public async Task TextInput_IsSentAsTextWithTheDefaults()
    {
        await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"plain text"}""");

        var sent = Assert.Single(_host.Scheduler.EmbedRequests);
        Assert.Equal(EmbedRequest.PromptOneofCase.Text, sent.PromptCase);
        Assert.Equal("plain text", sent.Text);
        Assert.True(sent.AddSpecialTokens);
        Assert.False(sent.HasDimensions);
        Assert.False(sent.HasNormalize);
        Assert.False(sent.HasTruncatePromptTokens);
        Assert.Equal(0, sent.Priority);
        Assert.Equal("", sent.CacheSalt);
    }

    [Fact]
    public async Task VllmExtras_AreSentWithEveryInput()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """
            {"input":["one","two"],"dimensions":4,"normalize":false,"truncate_prompt_tokens":-1,"priority":5,
             "cache_salt":"tenant-a","add_special_tokens":false}
            """);

        Assert.Equal(200, answer.Status);
        Assert.Equal(2, _host.Scheduler.EmbedRequests.Count);
        Assert.All(_host.Scheduler.EmbedRequests, sent =>
        {
            Assert.Equal(4, sent.Dimensions);
            Assert.True(sent.HasNormalize);
            Assert.False(sent.Normalize);
            Assert.Equal(-1, sent.TruncatePromptTokens);
            Assert.Equal(5, sent.Priority);
            Assert.Equal("tenant-a", sent.CacheSalt);
            Assert.True(sent.HasAddSpecialTokens);
            Assert.False(sent.AddSpecialTokens);
        });
    }

    [Fact]
    public async Task TokenIdInput_IsSentAsTokenIds()
    {
        await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":[101,7592,102]}""");

        var sent = Assert.Single(_host.Scheduler.EmbedRequests);
        Assert.Equal(EmbedRequest.PromptOneofCase.TokenIds, sent.PromptCase);
        Assert.Equal([101, 7592, 102], sent.TokenIds.Ids);
    }

    [Fact]
    public async Task TokenIdArrays_AreSentAsOneInputEach()
    {
        await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":[[1,2],[3,4,5]]}""");

        var sent = _host.Scheduler.EmbedRequests.OrderBy(r => r.RequestId, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, sent.Length);
        Assert.All(sent, r => Assert.Equal(EmbedRequest.PromptOneofCase.TokenIds, r.PromptCase));
        Assert.Equal([1, 2], sent[0].TokenIds.Ids);
        Assert.Equal([3, 4, 5], sent[1].TokenIds.Ids);
    }

    [Fact]
    public async Task RequestId_NamesTheResponse_AndEachInputRunsAsItWithItsIndex()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":["first","second"],"request_id":"job-9"}""");

        Assert.Equal("embd-job-9", answer.Json.GetProperty("id").GetString());
        Assert.Contains(_host.Scheduler.EmbedRequests, r => r.RequestId == "embd-job-9-0" && r.Text == "first");
        Assert.Contains(_host.Scheduler.EmbedRequests, r => r.RequestId == "embd-job-9-1" && r.Text == "second");
    }

    [Fact]
    public async Task WithoutRequestId_EachInputRunsAsTheResponseIdWithItsIndex()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":["first","second"]}""");

        var id = answer.Json.GetProperty("id").GetString()!;
        Assert.Matches("^embd-[0-9a-f]{32}$", id);
        Assert.Contains(_host.Scheduler.EmbedRequests, r => r.RequestId == $"{id}-0" && r.Text == "first");
        Assert.Contains(_host.Scheduler.EmbedRequests, r => r.RequestId == $"{id}-1" && r.Text == "second");
    }
}

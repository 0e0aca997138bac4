using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary><c>POST /rerank</c> reads its body: the shapes it refuses, each a 400 naming the field, before embedding anything.</summary>
public sealed class RerankRequestTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public RerankRequestTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Theory]
    [InlineData("""{"documents":["d"]}""", "query", "query is required.")]
    [InlineData("""{"query":"","documents":["d"]}""", "query", "query is an empty string: every text needs at least one token.")]
    [InlineData("""{"query":["q"],"documents":["d"]}""", "query", "query must be a string, got an array.")]
    [InlineData("""{"query":"q"}""", "documents", "documents is required.")]
    [InlineData("""{"query":"q","documents":[]}""", "documents", "documents is an empty array: send at least one document.")]
    [InlineData("""{"query":"q","documents":"d"}""", "documents", "documents must be an array of strings or of objects with a string text, got a string.")]
    [InlineData("""{"query":"q","documents":["d",""]}""", "documents", "documents[1] is an empty string: every text needs at least one token.")]
    [InlineData("""{"query":"q","documents":["d",{"text":""}]}""", "documents", "documents[1] is an empty string: every text needs at least one token.")]
    [InlineData("""{"query":"q","documents":["d",5]}""", "documents", "documents[1] must be a string or an object with a string text, got a number.")]
    [InlineData("""{"query":"q","documents":[{"title":"t"}]}""", "documents", "documents[0] must be a string or an object with a string text, got an object without a string text.")]
    [InlineData("""{"query":"q","documents":[{"text":3}]}""", "documents", "documents[0] must be a string or an object with a string text, got an object without a string text.")]
    [InlineData("""{"query":"q","documents":["d"],"top_n":-1}""", "top_n", "top_n must be at least 0 (0 answers every document), got -1.")]
    [InlineData("""{"query":"q","documents":["d"],"top_n":"2"}""", "top_n", "top_n must be an integer, got a string.")]
    public async Task InvalidField_Returns400NamingIt_AndEmbedsNothing(string json, string field, string message)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/rerank", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.Equal(message, answer.Error.GetProperty("message").GetString());
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }

    [Theory]
    [InlineData("""{"query":"q","documents":["d"],"truncate_prompt_tokens":0}""", "truncate_prompt_tokens")]
    [InlineData("""{"query":"q","documents":["d"],"priority":1.5}""", "priority")]
    [InlineData("""{"query":"q","documents":["d"],"request_id":""}""", "request_id")]
    [InlineData("""{"query":"q","documents":["d"],"user":{}}""", "user")]
    public async Task InvalidSharedField_Returns400NamingIt(string json, string field)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/rerank", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }
}

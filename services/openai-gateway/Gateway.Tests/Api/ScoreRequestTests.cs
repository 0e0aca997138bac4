using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary><c>POST /score</c> reads its body: the shapes it refuses, each a 400 naming the field, before embedding anything.</summary>
public sealed class ScoreRequestTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public ScoreRequestTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Theory]
    [InlineData("""{"text_2":"b"}""", "text_1", "text_1 is required.")]
    [InlineData("""{"text_1":null,"text_2":"b"}""", "text_1", "text_1 is required.")]
    [InlineData("""{"text_1":"a"}""", "text_2", "text_2 is required.")]
    [InlineData("""{"text_1":"","text_2":"b"}""", "text_1", "text_1 is an empty string: every text needs at least one token.")]
    [InlineData("""{"text_1":"a","text_2":""}""", "text_2", "text_2 is an empty string: every text needs at least one token.")]
    [InlineData("""{"text_1":[],"text_2":"b"}""", "text_1", "text_1 is an empty array: send at least one text.")]
    [InlineData("""{"text_1":"a","text_2":[]}""", "text_2", "text_2 is an empty array: send at least one text.")]
    [InlineData("""{"text_1":"a","text_2":["b",""]}""", "text_2", "text_2[1] is an empty string: every text needs at least one token.")]
    [InlineData("""{"text_1":["a",""],"text_2":["b","c"]}""", "text_1", "text_1[1] is an empty string: every text needs at least one token.")]
    [InlineData("""{"text_1":5,"text_2":"b"}""", "text_1", "text_1 must be a string or an array of strings, got a number.")]
    [InlineData("""{"text_1":"a","text_2":["b",7]}""", "text_2", "text_2[1] must be a string, got a number.")]
    [InlineData("""{"text_1":"a","text_2":{"text":"b"}}""", "text_2", "text_2 must be a string or an array of strings, got an object.")]
    public async Task MissingEmptyOrMistypedText_Returns400NamingTheField(string json, string field, string message)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/score", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.Equal(message, answer.Error.GetProperty("message").GetString());
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }

    [Theory]
    [InlineData("""{"text_1":["a","b"],"text_2":["c","d","e"]}""", "text_1 holds 2 texts and text_2 3")]
    [InlineData("""{"text_1":["a","b","c"],"text_2":["d","e"]}""", "text_1 holds 3 texts and text_2 2")]
    [InlineData("""{"text_1":["a","b"],"text_2":"c"}""", "text_1 holds 2 texts and text_2 1")]
    public async Task Text1AndText2OfDifferentLengths_Returns400NamingText2(string json, string message)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/score", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal("text_2", answer.ErrorParam);
        Assert.StartsWith(message, answer.Error.GetProperty("message").GetString());
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }

    [Theory]
    [InlineData("""{"text_1":"a","text_2":"b","truncate_prompt_tokens":0}""", "truncate_prompt_tokens")]
    [InlineData("""{"text_1":"a","text_2":"b","truncate_prompt_tokens":-2}""", "truncate_prompt_tokens")]
    [InlineData("""{"text_1":"a","text_2":"b","priority":"high"}""", "priority")]
    [InlineData("""{"text_1":"a","text_2":"b","request_id":""}""", "request_id")]
    [InlineData("""{"text_1":"a","text_2":"b","user":5}""", "user")]
    [InlineData("""{"text_1":"a","text_2":"b","model":5}""", "model")]
    public async Task InvalidSharedField_Returns400NamingIt(string json, string field)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/score", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.Empty(_host.Scheduler.EmbedRequests);
    }

    [Fact]
    public async Task AnotherModel_Returns404()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/score", """{"model":"no-such-model","text_1":"a","text_2":"b"}""");

        Assert.Equal(404, answer.Status);
        Assert.Equal("model", answer.ErrorParam);
    }
}

using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// <c>POST /pooling</c> on an embedding model, as vLLM's: each input's embedding (the embed task by default), with
/// use_activation as normalize and the embeddings API's dimensions and encodings; the classify task and per-token
/// tasks are 400s naming task.
/// </summary>
public sealed class PoolingTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public PoolingTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Fact]
    public async Task Inputs_AnswerTheirEmbeddings()
    {
        var answer = await _host.Http.PostJsonAsync("/pooling", """{"input": ["abc", "de"], "request_id": "p1", "use_activation": false, "dimensions": 4}""");

        Assert.Equal(200, answer.Status);
        var body = answer.Json;
        Assert.Equal("pool-p1", body.GetProperty("id").GetString());
        var data = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(FakeScheduler.ExpectedEmbedding(3, 4), data[0].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(FakeScheduler.ExpectedEmbedding(2, 4), data[1].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(5, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        var sent = _host.Scheduler.EmbedRequests.ToArray();
        Assert.All(sent, r => Assert.Equal(PoolingTask.Embed, r.Task));
        Assert.All(sent, r => Assert.True(r.HasNormalize && !r.Normalize && r.Dimensions == 4));
    }

    [Fact]
    public async Task Base64_IsTheFloat32Bytes()
    {
        var answer = await _host.Http.PostJsonAsync("/pooling", """{"input": "abc", "encoding_format": "base64"}""");

        var bytes = Convert.FromBase64String(answer.Json.GetProperty("data")[0].GetProperty("data").GetString()!);
        Assert.Equal(FakeScheduler.ExpectedEmbedding(3), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }

    [Theory]
    [InlineData("""{"input": "abc", "task": "classify"}""", "task")]
    [InlineData("""{"input": "abc", "task": "token_embed"}""", "task")]
    [InlineData("""{"input": "abc", "normalize": true}""", "normalize")]
    public async Task WhatItDoesNotServe_IsA400NamingTheField(string json, string param)
    {
        var answer = await _host.Http.PostJsonAsync("/pooling", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.Json.GetProperty("error").GetProperty("param").GetString());
    }
}

using System.Buffers.Binary;
using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary><c>POST /v1/embeddings</c> answers as OpenAI does: one embedding per input, in input order, as floats or base64.</summary>
public sealed class EmbeddingsTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public EmbeddingsTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Fact]
    public async Task OneString_AnswersTheListObjectWithItsFloats()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"hello"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/json", answer.MediaType);
        var body = answer.Json;
        Assert.Matches("^embd-[0-9a-f]{32}$", body.GetProperty("id").GetString());
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.InRange(body.GetProperty("created").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(FakeScheduler.ModelName, body.GetProperty("model").GetString());
        var data = Assert.Single(body.GetProperty("data").EnumerateArray().ToArray());
        Assert.Equal(0, data.GetProperty("index").GetInt32());
        Assert.Equal("embedding", data.GetProperty("object").GetString());
        Assert.Equal(FakeScheduler.ExpectedEmbedding(5), Floats(data.GetProperty("embedding")));
    }

    [Fact]
    public async Task Base64_IsTheLittleEndianFloat32Bytes()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"hello","encoding_format":"base64"}""");

        Assert.Equal(200, answer.Status);
        var embedding = answer.Json.GetProperty("data")[0].GetProperty("embedding");
        Assert.Equal(JsonValueKind.String, embedding.ValueKind);
        var bytes = Convert.FromBase64String(embedding.GetString()!);
        var floats = Enumerable.Range(0, bytes.Length / sizeof(float))
            .Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float))))
            .ToArray();
        Assert.Equal(FakeScheduler.EmbeddingSize * sizeof(float), bytes.Length);
        Assert.Equal(FakeScheduler.ExpectedEmbedding(5), floats);
    }

    [Fact]
    public async Task SeveralInputs_AnswerInInputOrder_EvenWhenTheFirstFinishesLast()
    {
        var othersDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = 0;
        _host.Scheduler.EmbedScript = async (request, cancellationToken) =>
        {
            if (request.Text == "first")
            {
                await othersDone.Task.WaitAsync(cancellationToken);
                return FakeScheduler.DefaultEmbedding(request);
            }

            var response = FakeScheduler.DefaultEmbedding(request);
            if (Interlocked.Increment(ref finished) == 3)
            {
                othersDone.SetResult();
            }

            return response;
        };
        string[] inputs = ["first", "2nd", "third!", "4"];

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", JsonSerializer.Serialize(new { input = inputs }));

        Assert.Equal(200, answer.Status);
        var data = answer.Json.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2, 3], data.Select(d => d.GetProperty("index").GetInt32()));
        Assert.Equal(inputs.Select(i => FakeScheduler.ExpectedEmbedding(i.Length)), data.Select(d => Floats(d.GetProperty("embedding"))));
    }

    [Fact]
    public async Task Usage_SumsThePromptTokensOfEveryInput()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":["abc","de","fghij"]}""");

        var usage = answer.Json.GetProperty("usage");
        Assert.Equal(10, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(10, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task TokenIdArrays_AnswerOneEmbeddingEach()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":[[1,2],[3,4,5]],"encoding_format":"float"}""");

        var data = answer.Json.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(FakeScheduler.ExpectedEmbedding(2), Floats(data[0].GetProperty("embedding")));
        Assert.Equal(FakeScheduler.ExpectedEmbedding(3), Floats(data[1].GetProperty("embedding")));
        Assert.Equal(5, answer.Json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Dimensions_AnswerAsManyValuesAsTheSchedulerKept()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"hello","dimensions":3}""");

        Assert.Equal(FakeScheduler.ExpectedEmbedding(5, 3), Floats(answer.Json.GetProperty("data")[0].GetProperty("embedding")));
    }

    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetSingle())];
}

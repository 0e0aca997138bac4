using System.Buffers.Binary;
using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;

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

    [Theory]
    [InlineData("float32", "big")]
    [InlineData("float16", "native")]
    [InlineData("float16", "big")]
    [InlineData("bfloat16", "little")]
    [InlineData("bfloat16", "big")]
    [InlineData("fp8_e4m3", "native")]
    [InlineData("fp8_e5m2", "big")]
    public async Task Base64_WithEmbedDTypeAndEndianness_IsTheValuesRoundedToThatTypeInThatOrder(string dtype, string endianness)
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings",
            $$"""{"input":"hello","encoding_format":"base64","embed_dtype":"{{dtype}}","endianness":"{{endianness}}"}""");

        Assert.Equal(200, answer.Status);
        var bytes = Convert.FromBase64String(answer.Json.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var size = dtype switch { "float32" => 4, "float16" or "bfloat16" => 2, _ => 1 };
        if (endianness == "big")
        {
            for (var i = 0; i < bytes.Length; i += size)
            {
                Array.Reverse(bytes, i, size);
            }
        }

        var values = Enumerable.Range(0, bytes.Length / size).Select(i => dtype switch
        {
            "float32" => BitConverter.ToSingle(bytes, i * 4),
            "float16" => (float)BitConverter.ToHalf(bytes, i * 2),
            // bfloat16 is the top half of a float32.
            "bfloat16" => BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(bytes, i * 2) << 16),
            // E4M3FN and E5M2 normals: sign, exponent (bias 7 or 15), then 3 or 2 mantissa bits.
            "fp8_e4m3" => Fp8(bytes[i], mantissaBits: 3, bias: 7),
            _ => Fp8(bytes[i], mantissaBits: 2, bias: 15),
        }).ToArray();
        var expected = FakeScheduler.ExpectedEmbedding(5);
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            // The nearest value of the type: float16 keeps 11 significant bits, bfloat16 8, fp8_e4m3 4, fp8_e5m2 3.
            var tolerance = MathF.Abs(expected[i]) / dtype switch { "float32" => float.PositiveInfinity, "float16" => 2048, "bfloat16" => 256, "fp8_e4m3" => 16, _ => 8 };
            Assert.InRange(values[i], expected[i] - tolerance, expected[i] + tolerance);
        }
    }

    private static float Fp8(byte code, int mantissaBits, int bias) =>
        (code >> 7 == 1 ? -1 : 1) * (1 + (code & ((1 << mantissaBits) - 1)) / (float)(1 << mantissaBits)) * MathF.Pow(2, ((code & 0x7F) >> mantissaBits) - bias);

    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(1.00390625f, (ushort)0x3F80)] // halfway between 0x3F80 and 0x3F81: to even
    [InlineData(1.01171875f, (ushort)0x3F82)] // halfway between 0x3F81 and 0x3F82: to even
    [InlineData(1.0078125f, (ushort)0x3F81)]
    [InlineData(-2.5f, (ushort)0xC020)]
    public void BFloat16_RoundsToNearestEven(float value, ushort bits) =>
        Assert.Equal(bits, Gateway.Api.Embeddings.EmbeddingVectorJsonConverter.ToBFloat16Bits(value));

    [Fact]
    public async Task Messages_AreOneChatInput_WithoutGenerationPromptOrSpecialTokensByDefault()
    {
        const string messages = """[{"role":"system","content":"Represent this sentence for retrieval"},{"role":"user","content":"hello"}]""";

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings",
            $$"""{"messages":{{messages}},"chat_template_kwargs":{"enable_thinking":false},"request_id":"chat-embed"}""");

        Assert.Equal(200, answer.Status);
        var sent = Assert.Single(_host.Scheduler.EmbedRequests, r => r.RequestId == "embd-chat-embed-0");
        Assert.Equal(EmbedRequest.PromptOneofCase.Chat, sent.PromptCase);
        Assert.Equal(messages, sent.Chat.MessagesJson);
        Assert.False(sent.Chat.AddGenerationPrompt);
        Assert.False(sent.Chat.AddSpecialTokens);
        Assert.Equal("""{"enable_thinking":false}""", sent.Chat.TemplateKwargsJson);
        var data = Assert.Single(answer.Json.GetProperty("data").EnumerateArray());
        Assert.Equal(FakeScheduler.ExpectedEmbedding(messages.Length), Floats(data.GetProperty("embedding")));
    }

    [Fact]
    public async Task Messages_WithAddGenerationPrompt_IsPassedOn()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/embeddings",
            """{"messages":[{"role":"user","content":"hi"}],"add_generation_prompt":true,"request_id":"chat-embed-gen"}""");

        Assert.Equal(200, answer.Status);
        Assert.True(Assert.Single(_host.Scheduler.EmbedRequests, r => r.RequestId == "embd-chat-embed-gen-0").Chat.AddGenerationPrompt);
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

using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Grpc.Core;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

public sealed class ErrorTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Completions_MalformedJson_Returns400NamingTheProblem()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt": "Hi",""");

        Assert.Equal(400, answer.Status);
        var error = answer.Json.GetProperty("error");
        Assert.Equal("BadRequestError", error.GetProperty("type").GetString());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.StartsWith("Malformed JSON body", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Completions_AfterAMalformedRequest_StillServes()
    {
        await host.Http.PostJsonAsync("/v1/completions", "not json at all");

        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"still alive"}""");

        Assert.Equal(200, answer.Status);
    }

    [Fact]
    public async Task Completions_BodyThatIsNotAnObject_Returns400()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", "[1, 2]");

        Assert.Equal(400, answer.Status);
        Assert.Contains("must be a JSON object", Message(answer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Completions_EmptyPrompt_Returns400WithTheSchedulersMessage(bool stream)
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/completions", $$"""{"prompt":"","stream":{{(stream ? "true" : "false")}}}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("prompt must not be empty", Message(answer));
    }

    [Fact]
    public async Task Completions_FieldTheSchedulerRefuses_Returns400WithItsMessageAndParam()
    {
        // Ranges are checked once, where requests enter the engine; the gateway passes the verdict on.
        host.Scheduler.Script = r => r.Text == "out of range"
            ? throw ValidationErrors.ToRpcException(new GenerationValidationException("top_p", "top_p must be in (0, 1], got 0."))
            : FakeReply.Default;
        try
        {
            var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"out of range","top_p":0}""");

            Assert.Equal(400, answer.Status);
            Assert.Equal("top_p must be in (0, 1], got 0.", Message(answer));
            Assert.Equal("top_p", answer.Json.GetProperty("error").GetProperty("param").GetString());
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Fact]
    public async Task Completions_UnknownModel_Returns404()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"model":"gpt-4","prompt":"Hi"}""");

        Assert.Equal(404, answer.Status);
        Assert.Equal("The model `gpt-4` does not exist.", Message(answer));
        Assert.Equal("NotFoundError", answer.Json.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""{"prompt":"Hi","prompt_logprobs":1,"stream":true}""", "prompt_logprobs")]
    [InlineData("""{"max_tokens":3}""", "prompt")]
    [InlineData("""{"prompt":["a",{"b":1}]}""", "prompt")]
    [InlineData("""{"prompt":"Hi","temperature":"hot"}""", "temperature")]
    [InlineData("""{"prompt":"Hi","logprobs":21}""", "logprobs")]
    [InlineData("""{"prompt":"Hi","stop":[1]}""", "stop")]
    [InlineData("""{"prompt":"Hi","max_tokens":1.5}""", "max_tokens")]
    [InlineData("""{"prompt":"Hi","temperature":1e400}""", "temperature")]
    [InlineData("""{"prompt":"Hi","seed":"7"}""", "seed")]
    [InlineData("""{"prompt":"Hi","temperature":1e308}""", "temperature")]
    [InlineData("""{"prompt":"Hi","presence_penalty":-1e39}""", "presence_penalty")]
    public async Task Completions_InvalidField_Returns400NamingIt(string json, string field)
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.Json.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains(field, Message(answer));
    }

    [Fact]
    public async Task Completions_ANumberBeyondAFloat_IsOutOfRange_NotReportedAsInfinity()
    {
        // 1e308 is a finite double but no 32-bit float: the engine would have seen Infinity and said "got Infinity".
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"Hi","temperature":1e308}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("temperature is out of range, got 1E+308.", Message(answer));
    }

    [Theory]
    [InlineData(StatusCode.ResourceExhausted, 429, "RateLimitError")]
    [InlineData(StatusCode.Unavailable, 503, "ServiceUnavailableError")]
    [InlineData(StatusCode.Internal, 500, "InternalServerError")]
    public async Task Completions_SchedulerFailure_MapsToHttpStatus(StatusCode code, int status, string type)
    {
        host.Scheduler.Script = r => r.Text == "fail"
            ? throw new RpcException(new Status(code, "scheduler says no"))
            : FakeReply.Default;
        try
        {
            var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"fail"}""");

            Assert.Equal(status, answer.Status);
            Assert.Equal(type, answer.Json.GetProperty("error").GetProperty("type").GetString());
        }
        finally
        {
            host.Scheduler.Script = _ => FakeReply.Default;
        }
    }

    [Fact]
    public async Task Chat_MissingMessages_Returns400NamingMessages()
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", """{"model":"qwen-fake"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("messages", answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Chat_RequiredToolChoiceWithoutTools_Returns400NamingToolChoice()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions", """{"messages":[{"role":"user","content":"x"}],"tool_choice":"required"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("tool_choice", answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Chat_StructuralTagResponseFormat_Returns400NamingResponseFormat()
    {
        var answer = await host.Http.PostJsonAsync(
            "/v1/chat/completions",
            """{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"structural_tag"}}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("response_format", answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    private static string? Message(HttpAnswer answer) =>
        answer.Json.GetProperty("error").GetProperty("message").GetString();
}

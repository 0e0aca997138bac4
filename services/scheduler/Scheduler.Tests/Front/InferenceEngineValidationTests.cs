using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

public sealed class InferenceEngineValidationTests
{
    public static TheoryData<GenerationParams, string> InvalidParams => new()
    {
        { new GenerationParams { MaxTokens = -1 }, "max_tokens" },
        { new GenerationParams { Temperature = -0.1f }, "temperature" },
        { new GenerationParams { Temperature = float.NaN }, "temperature" },
        { new GenerationParams { TopP = 0f }, "top_p" },
        { new GenerationParams { TopP = 1.5f }, "top_p" },
        { new GenerationParams { TopK = -2 }, "top_k" },
        { new GenerationParams { MinP = 1.1f }, "min_p" },
        { new GenerationParams { Logprobs = 21 }, "logprobs" },
        { new GenerationParams { Logprobs = -1 }, "logprobs" },
        { new GenerationParams { PromptLogprobs = 21 }, "prompt_logprobs" },
        { new GenerationParams { PromptLogprobs = -1 }, "prompt_logprobs" },
        { new GenerationParams { PresencePenalty = 2.5f }, "presence_penalty" },
        { new GenerationParams { FrequencyPenalty = -3f }, "frequency_penalty" },
        { new GenerationParams { RepetitionPenalty = 0f }, "repetition_penalty" },
        { new GenerationParams { RepetitionPenalty = float.PositiveInfinity }, "repetition_penalty" },
        { new GenerationParams { MinTokens = -1 }, "min_tokens" },
        { new GenerationParams { MinTokens = 5, MaxTokens = 4 }, "min_tokens" },
        { new GenerationParams { Stop = [""] }, "stop" },
        { new GenerationParams { StopTokenIds = [5000] }, "stop_token_ids" },
        { new GenerationParams { MaxTokens = 126 }, "max_tokens" },
        { new GenerationParams { N = 0 }, "n" },
        { new GenerationParams { StructuredOutput = new StructuredOutput.Choice(["a", "b"]), IgnoreEos = true }, "ignore_eos" },
        { new GenerationParams { StructuredOutput = new StructuredOutput.JsonObject(), MinTokens = 3 }, "min_tokens" },
        { new GenerationParams { LogitBias = new Dictionary<int, float> { [5000] = 1f } }, "logit_bias" },
        { new GenerationParams { LogitBias = new Dictionary<int, float> { [5] = 101f } }, "logit_bias" },
        { new GenerationParams { AllowedTokenIds = [] }, "allowed_token_ids" },
        { new GenerationParams { AllowedTokenIds = [1, 1000] }, "allowed_token_ids" },
        { new GenerationParams { N = 129 }, "n" },
        { new GenerationParams { TruncatePromptTokens = 0 }, "truncate_prompt_tokens" },
        { new GenerationParams { BadWords = ["ok", "  "] }, "bad_words" },
        { new GenerationParams { TruncatePromptTokens = -2 }, "truncate_prompt_tokens" },
        { new GenerationParams { TruncatePromptTokens = 128 }, "truncate_prompt_tokens" },
        { new GenerationParams { StructuredOutput = new StructuredOutput.JsonSchema("""{"type":"string","contentEncoding":"base64"}""") }, "structured_output" },
        { new GenerationParams { StructuredOutput = new StructuredOutput.Regex("(?=a)b") }, "structured_output" },
        { new GenerationParams { StructuredOutput = new StructuredOutput.Choice([]) }, "structured_output" },
        { new GenerationParams { StructuredOutput = new StructuredOutput.StructuralTagFormat("""{"type":"token_dispatch"}""") }, "structured_output" },
        { new GenerationParams { StructuredOutput = new StructuredOutput.StructuralTagFormat("""{"type":"const_string","value":"x"}"""), IgnoreEos = true }, "ignore_eos" },
    };

    [Theory]
    [MemberData(nameof(InvalidParams))]
    public async Task GenerateAsync_InvalidParams_ThrowsNamingTheField(GenerationParams p, string field)
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(EngineFixture.Text("abc", p)))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public async Task GenerateAsync_AStructuralTag_TakesIgnoreEosAndMinTokens()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var tag = new StructuredOutput.StructuralTag(["<f="], [new StructuredOutput.TagStructure("<f=a>", """{"type":"object"}""", "</f>")]);

        var outputs = await engine.CollectAsync(EngineFixture.Text("a",
            new GenerationParams { StructuredOutput = tag, IgnoreEos = true, MinTokens = 2, MaxTokens = 3 })).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(FinishReason.Length, outputs[^1].Finish);
    }

    [Fact]
    public async Task GenerateAsync_ANewerStructuralTagEndingInFreeText_TakesIgnoreEosAndMinTokens()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var tag = new StructuredOutput.StructuralTagFormat("""{"type":"sequence","elements":[{"type":"const_string","value":"a"},{"type":"any_text"}]}""");

        var outputs = await engine.CollectAsync(EngineFixture.Text("a",
            new GenerationParams { StructuredOutput = tag, IgnoreEos = true, MinTokens = 2, MaxTokens = 3 })).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(FinishReason.Length, outputs[^1].Finish);
    }

    [Fact]
    public async Task GenerateAsync_RepetitionPenaltyAboveTwo_IsAccepted()
    {
        // vLLM bounds repetition_penalty only below (> 0); the README says the same.
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var outputs = await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 2, RepetitionPenalty = 2.5f }))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal(FinishReason.Length, outputs[^1].Finish);
    }

    [Fact]
    public async Task GenerateAsync_TopKMinusOneOrZero_IsAccepted()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var a = await engine.CollectAsync(EngineFixture.Text("a", new GenerationParams { TopK = -1, MaxTokens = 1 })).WaitAsync(EngineFixture.Timeout);
        var b = await engine.CollectAsync(EngineFixture.Text("a", new GenerationParams { TopK = 0, MaxTokens = 1 })).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(FinishReason.Length, a[^1].Finish);
        Assert.Equal(FinishReason.Length, b[^1].Finish);
    }

    [Theory]
    [InlineData("")]
    public async Task GenerateAsync_EmptyTextPrompt_IsRejected(string text)
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(EngineFixture.Text(text)));

        Assert.Equal(("prompt", "prompt must not be empty."), (error.Field, error.Message));
    }

    [Fact]
    public async Task GenerateAsync_EmptyTokenIds_AreRejected()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(new GenerationRequest(null, new TokenIdsPrompt([]), new GenerationParams())));

        Assert.Equal("prompt", error.Field);
    }

    [Fact]
    public async Task GenerateAsync_TokenIdOutOfVocabulary_IsRejected()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(new GenerationRequest(null, new TokenIdsPrompt([1, 1000]), new GenerationParams())));

        Assert.Contains("1000", error.Message);
        Assert.Contains("[0, 1000)", error.Message);
    }

    [Fact]
    public async Task GenerateAsync_PromptAtTheModelLength_IsRejected()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(new GenerationRequest(null, new TokenIdsPrompt([.. Enumerable.Repeat(1, 128)]), new GenerationParams())));

        Assert.Equal("prompt", error.Field);
        Assert.Contains("128", error.Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MaxValue - 1)]
    public async Task GenerateAsync_MaxTokensWhoseSumWithThePromptOverflows_IsRejected(int maxTokens)
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(new GenerationRequest(null, new TokenIdsPrompt([1, 2, 3]), new GenerationParams { MaxTokens = maxTokens })))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal("max_tokens", error.Field);
        Assert.Contains($"you requested {3L + maxTokens} tokens", error.Message);
    }

    [Fact]
    public async Task GenerateAsync_TheRequestsOwnTemplateFailing_IsAValidationErrorOnChatTemplate()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var chat = new ChatPrompt(new Inference.Abstractions.Text.ChatTemplateInput("[]", null, true, null, ChatTemplate: "{{ x"));

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(new GenerationRequest(null, chat, new GenerationParams())));

        Assert.Equal("chat_template", error.Field);
    }

    [Fact]
    public async Task GenerateAsync_ChatTemplateError_IsAValidationErrorOnMessages()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        var chat = new ChatPrompt(new Inference.Abstractions.Text.ChatTemplateInput("[]", null, true, null));

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(new GenerationRequest(null, chat, new GenerationParams())));

        Assert.Equal("messages", error.Field);
    }

    [Fact]
    public async Task GenerateAsync_RequestIdInUse_IsRejected()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        await using var running = engine.GenerateAsync(EngineFixture.Text("a", id: "dup"), default).GetAsyncEnumerator();
        executor.AllowSteps(1);
        await running.NextAsync();

        var error = await Assert.ThrowsAsync<DuplicateRequestIdException>(() => engine.CollectAsync(EngineFixture.Text("b", id: "dup")));

        Assert.Equal("dup", error.RequestId);
    }

    [Fact]
    public async Task Constructor_MaxModelLength_IsCappedByTheKvCapacity()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(FakeStepExecutor.DefaultInfo(numBlocks: 8, blockSize: 4, maxModelLength: 128)));

        Assert.Equal(32, engine.MaxModelLength);
    }
}

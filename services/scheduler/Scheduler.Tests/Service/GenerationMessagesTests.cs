using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;
using CommonV1 = Inference.Contracts.Common.V1;

namespace Scheduler.Tests.Service;

/// <summary>The generation boundary's one mapping, used by the gateway (client) and the scheduler (server).</summary>
public sealed class GenerationMessagesTests
{
    [Fact]
    public void ToDomain_UnsetSamplingFields_StayUnsetSoTheModelDefaultsApply()
    {
        var request = GenerationMessages.ToDomain(new GenerateRequest { Text = "a" });

        Assert.Null(request.Params.Temperature);
        Assert.Null(request.Params.TopP);
        Assert.Null(request.Params.RepetitionPenalty);
        Assert.Null(request.Params.MaxTokens);
        Assert.Null(request.Params.TruncatePromptTokens);
        Assert.True(((TextPrompt)request.Prompt).AddSpecialTokens);
    }

    [Fact]
    public void ToDomain_ExplicitZeroTemperature_IsGreedyNotUnset()
    {
        var request = GenerationMessages.ToDomain(new GenerateRequest
        {
            Text = "a",
            Sampling = new CommonV1.SamplingParams { Temperature = 0 },
        });

        Assert.Equal(0f, request.Params.Temperature);
    }

    [Fact]
    public void ToProtoThenToDomain_KeepsEveryField()
    {
        var sent = new GenerationRequest("r1", new TextPrompt("hi", ParseSpecialTokens: true, AddSpecialTokens: false), new GenerationParams
        {
            MaxTokens = 5, Temperature = 0.5f, TopP = 0.9f, TopK = 40, MinP = 0.1f, Seed = 42, Stop = ["x"],
            StopTokenIds = [7], IgnoreEos = true, Logprobs = 2, PresencePenalty = 0.5f, FrequencyPenalty = 0.25f,
            RepetitionPenalty = 1.1f, IncludeStopStrInOutput = true, SkipSpecialTokens = false, MinTokens = 2, TruncatePromptTokens = 9,
            BadWords = ["never", " this"], PromptLogprobs = 0, Prediction = "the answer, predicted", Suffix = "",
        }, Priority: 3);

        var received = GenerationMessages.ToDomain(GenerationMessages.ToProto(sent));

        Assert.Equal(sent.Params with { Stop = [], StopTokenIds = [], BadWords = [] }, received.Params with { Stop = [], StopTokenIds = [], BadWords = [] });
        Assert.Equal(sent.Params.BadWords, received.Params.BadWords);
        Assert.Equal(sent.Params.Stop, received.Params.Stop);
        Assert.Equal(sent.Params.StopTokenIds, received.Params.StopTokenIds);
        Assert.Equal((sent.RequestId, sent.Prompt, sent.Priority), (received.RequestId, received.Prompt, received.Priority));
    }

    [Theory]
    [MemberData(nameof(StructuredOutputs))]
    public void ToProtoThenToDomain_KeepsTheStructuredOutput(StructuredOutput output)
    {
        var sent = new GenerationRequest("r1", new TextPrompt("hi", ParseSpecialTokens: true), new GenerationParams { StructuredOutput = output });

        var received = GenerationMessages.ToDomain(GenerationMessages.ToProto(sent)).Params.StructuredOutput;

        Assert.Equal(Describe(output), Describe(received));
    }

    public static TheoryData<StructuredOutput> StructuredOutputs => new()
    {
        new StructuredOutput.JsonSchema("""{"type":"object"}""", Strict: false),
        new StructuredOutput.JsonObject(),
        new StructuredOutput.Regex("[a-z]+"),
        new StructuredOutput.Choice(["yes", "no"]),
        new StructuredOutput.JsonObject { AfterReasoning = true },
        new StructuredOutput.Choice(["yes", "no"]) { AfterReasoning = true },
        new StructuredOutput.StructuralTag(["<function=", "[call"],
            [new("<function=a>", """{"type":"object"}""", "</function>"), new("<function=b>", """{"type":"integer"}""", ""), new("[call]", "true", "[/call]")])
        {
            AfterReasoning = true,
        },
        new StructuredOutput.StructuralTagFormat("""{"type":"tag","begin":"<think>","content":{"type":"any_text"},"end":"</think>"}""") { AfterReasoning = true },
    };

    private static string Describe(StructuredOutput? output) => output switch
    {
        StructuredOutput.Choice c => $"choice:{string.Join('|', c.Choices)}, after reasoning: {c.AfterReasoning}",
        StructuredOutput.StructuralTag t =>
            $"structural tag:{string.Join('|', t.Triggers)}; {string.Join('|', t.Structures)}, after reasoning: {t.AfterReasoning}",
        _ => output?.ToString() ?? "null",
    };

    [Fact]
    public void ToDomain_NoPrompt_IsRefusedNamingPrompt()
    {
        var error = Assert.Throws<GenerationValidationException>(() => GenerationMessages.ToDomain(new GenerateRequest()));

        Assert.Equal("prompt", error.Field);
    }

    [Fact]
    public void ToProtoThenToDomain_KeepsTheUsagesPredictionTokens()
    {
        var sent = new GenerationOutput("r1", [], "", Inference.Abstractions.Generation.FinishReason.Length, null, new GenerationUsage(4, 9, 0, 12, 7), null);

        var received = GenerationMessages.ToDomain(GenerationMessages.ToProto(sent)).Usage!;

        Assert.Equal(sent.Usage, received);
        Assert.Equal(5, received.RejectedPredictionTokens);
    }

    [Fact]
    public void ToProtoThenToDomain_KeepsThePromptLogprobs()
    {
        PromptTokenLogprob[] prompt = [new(5, -1.5f, 3, [new TokenLogprob(9, -0.25f)]), new(6, -0.5f, 1, [])];
        var sent = new GenerationOutput("r1", [], "", null, null, null, [4, 5, 6], PromptLogprobs: prompt);

        var received = GenerationMessages.ToDomain(GenerationMessages.ToProto(sent)).PromptLogprobs!;

        Assert.Equal(
            prompt.Select(p => (p.TokenId, p.Logprob, p.Rank, string.Join(',', p.TopLogprobs))),
            received.Select(p => (p.TokenId, p.Logprob, p.Rank, string.Join(',', p.TopLogprobs))));
    }

    [Fact]
    public void ToProtoThenToDomain_EmptyPromptLogprobsOfAOneTokenPrompt_StayDistinctFromNone()
    {
        var withEmpty = new GenerationOutput("r1", [], "", null, null, null, [4], PromptLogprobs: []);
        var without = withEmpty with { PromptLogprobs = null };

        Assert.Empty(GenerationMessages.ToDomain(GenerationMessages.ToProto(withEmpty)).PromptLogprobs!);
        Assert.Null(GenerationMessages.ToDomain(GenerationMessages.ToProto(without)).PromptLogprobs);
    }
}

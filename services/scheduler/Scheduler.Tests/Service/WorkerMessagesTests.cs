using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;

namespace Scheduler.Tests.Service;

/// <summary>The worker boundary's one mapping, used by the scheduler (client) and the worker (server).</summary>
public sealed class WorkerMessagesTests
{
    [Fact]
    public void StepResultToProtoThenToDomain_KeepsThePromptLogprobs()
    {
        var sent = new StepResult(3, [], new StepTimings(1, 2, 3), 5,
            [new PromptLogprobsChunk("r", 4, [new PromptTokenLogprob(7, -2.5f, 12, [new TokenLogprob(1, -0.1f)])])]);

        var received = WorkerMessages.ToDomain(WorkerMessages.ToProto(sent, "instance")).PromptLogprobs!;

        var chunk = Assert.Single(received);
        Assert.Equal(("r", 4), (chunk.RequestId, chunk.FirstPosition));
        var position = Assert.Single(chunk.Positions);
        Assert.Equal((7, -2.5f, 12), (position.TokenId, position.Logprob, position.Rank));
        Assert.Equal([new TokenLogprob(1, -0.1f)], position.TopLogprobs);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(5)]
    public void SamplingToProtoThenToDomain_KeepsPromptLogprobsAndTheirAbsence(int? promptLogprobs)
    {
        var sent = new SamplingParams(PromptLogprobs: promptLogprobs);

        var received = CommonMessages.ToDomain(CommonMessages.ToProto(sent), null);

        Assert.Equal(promptLogprobs, received.PromptLogprobs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SamplingToProtoThenToDomain_KeepsWhetherTheGrammarStartsAfterTheReasoning(bool afterReasoning)
    {
        var sent = new SamplingParams(StructuredOutput: new StructuredOutput.Regex("[a-z]+") { AfterReasoning = afterReasoning });

        var received = CommonMessages.ToDomain(CommonMessages.ToProto(sent), null);

        Assert.Equal(sent.StructuredOutput, received.StructuredOutput);
    }
}

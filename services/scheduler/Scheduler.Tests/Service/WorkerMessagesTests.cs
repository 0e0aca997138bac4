using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;
using Scheduler.Tests.Fakes;

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

    [Fact]
    public void StepPlanToProtoThenToDomain_KeepsDraftTokensAndTheirAbsence()
    {
        var sent = new StepPlan(4, [], [new CachedRequestData("drafted", [9], 10, 4, DraftTokenIds: [5, 6, 7]), new CachedRequestData("plain", [], 3, 1)], []);

        var received = WorkerMessages.ToDomain(WorkerMessages.ToProto(sent, "instance")).CachedRequests;

        Assert.Equal([5, 6, 7], received[0].DraftTokenIds);
        Assert.Equal((3, 4), (received[0].NumDraftTokens, received[0].NumScheduledTokens));
        Assert.Null(received[1].DraftTokenIds);
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

    [Theory]
    [InlineData(PoolingMode.LastToken)]
    [InlineData(PoolingMode.Cls)]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.Max)]
    [InlineData(PoolingMode.MeanSqrtLength)]
    [InlineData(PoolingMode.WeightedMean)]
    public void InfoToProtoThenToDomain_KeepsThePoolingMode(PoolingMode mode)
    {
        var sent = FakeStepExecutor.DefaultInfo(pooling: new PoolingInfo(24, Normalize: true, Matryoshka: true, [8, 24], mode));

        var received = WorkerMessages.ToDomain(WorkerMessages.ToProto(sent, "instance")).Pooling!;

        Assert.Equal((24, true, true, mode), (received.HiddenSize, received.Normalize, received.Matryoshka, received.Mode));
        Assert.Equal([8, 24], received.MatryoshkaDimensions);
    }

    [Fact]
    public void InfoFromAWorkerBeforeThePoolingMode_ReadsAsLastToken()
    {
        var info = WorkerMessages.ToProto(FakeStepExecutor.DefaultInfo(), "instance");
        info.Pooling.Mode = Inference.Contracts.Worker.V1.PoolingMode.Unspecified;

        Assert.Equal(PoolingMode.LastToken, WorkerMessages.ToDomain(info).Pooling!.Mode);
    }

    [Fact]
    public void InfoWithAnUnknownPoolingMode_IsRefused()
    {
        var info = WorkerMessages.ToProto(FakeStepExecutor.DefaultInfo(), "instance");
        info.Pooling.Mode = (Inference.Contracts.Worker.V1.PoolingMode)99;

        var error = Assert.Throws<InvalidDataException>(() => WorkerMessages.ToDomain(info));

        Assert.Contains("pooling mode 99", error.Message);
    }

    [Fact]
    public void StepPlanToProtoThenToDomain_KeepsPromptEmbedsBitForBit_AndTheirAbsence()
    {
        float[] embeds = [1.5f, -0f, float.Epsilon, 3.4028235e38f, -1e-7f, 0.1f];
        var sent = new StepPlan(1, [
            new NewRequestData("embedded", [0, 0, 0], 3, SamplingParams.Greedy, [0], 0, 3, PromptEmbeds: embeds),
            new NewRequestData("plain", [5], 1, SamplingParams.Greedy, [1], 0, 1)], [], []);

        var received = WorkerMessages.ToDomain(WorkerMessages.ToProto(sent, "instance")).NewRequests;

        Assert.Equal(embeds.Select(BitConverter.SingleToInt32Bits), received[0].PromptEmbeds!.Select(BitConverter.SingleToInt32Bits));
        Assert.Null(received[1].PromptEmbeds);
    }

    [Fact]
    public void InfoToProtoThenToDomain_KeepsTheClassifierAndTheHiddenSize()
    {
        var sent = FakeStepExecutor.DefaultInfo() with
        {
            Classifier = new ClassifierInfo(["no", "yes"], ClassifierActivation.Softmax, ClassifierActivation.Identity),
            HiddenSize = 896,
        };

        var received = WorkerMessages.ToDomain(WorkerMessages.ToProto(sent, "instance"));

        Assert.Equal(["no", "yes"], received.Classifier!.Labels);
        Assert.Equal((ClassifierActivation.Softmax, ClassifierActivation.Identity), (received.Classifier.ClassifyActivation, received.Classifier.ScoreActivation));
        Assert.Equal(896, received.HiddenSize);
    }
}

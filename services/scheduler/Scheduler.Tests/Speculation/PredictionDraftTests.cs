using Inference.Abstractions.Generation;
using Scheduler.Core.Speculation;
using Scheduler.Tests.Fakes;
using Scheduler.Tests.Scheduling;

namespace Scheduler.Tests.Speculation;

/// <summary>
/// OpenAI's Predicted Outputs in the scheduler: the prediction's tokens are drafted where the output lines up with them
/// (<see cref="PredictionProposer"/>), without any --speculative-config, and the request ends exactly as without them.
/// </summary>
public sealed class PredictionDraftTests
{
    [Fact]
    public void Propose_Aligned_DraftsWhatFollowsTheCursor()
    {
        int cursor = 3;
        bool aligned = true;

        var drafts = PredictionProposer.Propose([10, 11, 12], [10, 11, 12, 13, 14, 15, 16, 17], ref cursor, ref aligned, 4);

        Assert.Equal([13, 14, 15, 16], drafts);
        Assert.Equal(3, cursor);
    }

    [Fact]
    public void Propose_RepeatedText_LinesUpAgainFromTheCursorRatherThanTheFirstOccurrence()
    {
        // The prediction repeats "1 2 3" before a 4 and before a 5; the output left it before the second one.
        int[] prediction = [1, 2, 3, 4, 1, 2, 3, 5, 6];
        int cursor = 4;
        bool aligned = false;

        var drafts = PredictionProposer.Propose([9, 1, 2, 3], prediction, ref cursor, ref aligned, 3);

        Assert.Equal([5, 6], drafts);
        Assert.Equal((7, true), (cursor, aligned));
    }

    [Fact]
    public void Propose_OutputThatLeftThePrediction_LinesUpAgainOnThreeTokens()
    {
        int[] prediction = [1, 2, 3, 4, 5, 6, 7, 8];
        int cursor = 2;
        bool aligned = false;

        var drafts = PredictionProposer.Propose([1, 2, 99, 4, 5, 6], prediction, ref cursor, ref aligned, 2);

        Assert.Equal([7, 8], drafts);
        Assert.Equal((6, true), (cursor, aligned));
    }

    [Theory]
    [InlineData(new[] { 1, 2, 42 })]      // its last token is nowhere in the prediction
    [InlineData(new[] { 9, 2, 3, 7, 8 })] // lines up again, but the match ends the prediction: nothing follows it
    [InlineData(new[] { 42, 3, 7 })]      // "3 7" is there, but two tokens are too few to line up again on
    public void Propose_NothingToFollow_DraftsNothing(int[] output)
    {
        int cursor = 0;
        bool aligned = false;

        Assert.Empty(PredictionProposer.Propose(output, [1, 2, 3, 7, 8], ref cursor, ref aligned, 4));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PredictionOfTheAnswer_EndsItAsWithout_InFewerSteps_CountingTheAcceptedTokens(bool async)
    {
        // The fake model counts up from the prompt's last token: 6 is followed by 7, 8, ...
        int[] answer = [.. Enumerable.Range(7, 24)];
        var plain = Run(prediction: null, async, out var plainSteps);
        var predicted = Run(prediction: answer, async, out var predictedSteps);

        Assert.Equal(answer, plain.Tokens);
        Assert.Equal(plain.Tokens, predicted.Tokens);
        Assert.Equal(plain.Finish, predicted.Finish);
        Assert.True(predictedSteps < plainSteps / 2, $"{predictedSteps} steps with the prediction against {plainSteps}");
        // Every token lines up with the prediction: the first (sampled with the prompt), the accepted drafts, and the
        // token each step samples after them.
        Assert.Equal(answer.Length, predicted.Accepted);
        Assert.Equal(0, plain.Accepted);
    }

    [Fact]
    public void PredictionThatGoesWrong_ChangesNothing_CountingTheTokensThatLinedUp()
    {
        var plain = Run(prediction: null, async: false, out var plainSteps);
        var wrong = Run(prediction: [7, 8, 9, 50, 51, 52, 53], async: false, out var wrongSteps);

        Assert.Equal(plain.Tokens, wrong.Tokens);
        // 7, 8 and 9 line up; after 9 the prediction says 50, the model 10: those drafts are rejected.
        Assert.Equal(3, wrong.Accepted);
        Assert.True(wrongSteps < plainSteps);
    }

    private static (int[] Tokens, FinishReason? Finish, int Accepted) Run(int[]? prediction, bool async, out int steps)
    {
        var h = new SchedulerHarness(asyncScheduling: async);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 6, maxTokens: 24, ignoreEos: true, prediction: prediction));
        steps = h.RunToEnd().Count;
        var final = h.FinalOutput("a")!;
        var tokens = h.Outputs.Where(o => o.RequestId == "a").SelectMany(o => o.NewTokens).Select(t => t.TokenId).ToArray();
        return (tokens, final.Finish, final.NumAcceptedPredictionTokens);
    }
}

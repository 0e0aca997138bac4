using Inference.Abstractions.Execution;
using Worker.Runtime.Sampling;

namespace Worker.Tests.Sampling;

/// <summary>vLLM's bad_words: a word's last token is masked where the output ends with the word's other tokens.</summary>
public sealed class BadWordsTests
{
    private static readonly float[] Logits = [0f, 1f, 2f, 9f];

    [Fact]
    public void OneTokenWord_IsNeverChosen()
    {
        Assert.Equal(2, Greedy(badWords: [[3]], output: []));
    }

    [Fact]
    public void LongerWord_BansItsLastTokenRightAfterItsOtherTokens()
    {
        Assert.Equal(2, Greedy(badWords: [[1, 0, 3]], output: [2, 1, 0]));
    }

    [Fact]
    public void LongerWord_LeavesItsLastTokenAloneElsewhere()
    {
        Assert.Equal(3, Greedy(badWords: [[1, 0, 3]], output: [1, 2, 0]));
        Assert.Equal(3, Greedy(badWords: [[1, 0, 3]], output: [0]));
    }

    private static int Greedy(int[][] badWords, int[] output) =>
        new TokenSampler(Logits.Length).Sample(
            Logits,
            new SequenceSamplingState(new SamplingParams(BadWords: [.. badWords.Select(w => (IReadOnlyList<int>)w)]), [], output)).TokenId;
}

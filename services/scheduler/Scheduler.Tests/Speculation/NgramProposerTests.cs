using Scheduler.Core.Speculation;

namespace Scheduler.Tests.Speculation;

public sealed class NgramProposerTests
{
    [Fact]
    public void Propose_CopiesWhatFollowedTheLatestEarlierOccurrence()
    {
        int[] tokens = [1, 2, 3, 4, 5, 9, 2, 3, 4, 6, 7, 2, 3];

        // [2, 3] last occurred before the end at index 6, followed by 4, 6, 7.
        Assert.Equal([4, 6, 7], NgramProposer.Propose(tokens, 1, 3, 3));
    }

    [Fact]
    public void Propose_PrefersTheLongestNgram()
    {
        int[] tokens = [7, 8, 9, 1, 5, 8, 9, 2, 7, 8, 9];

        // [8, 9] last occurred at index 5 (then 2), but [7, 8, 9] at index 0 (then 1): the longer match wins.
        Assert.Equal([1, 5], NgramProposer.Propose(tokens, 1, 3, 2));
        Assert.Equal([2, 7], NgramProposer.Propose(tokens, 1, 2, 2));
    }

    [Fact]
    public void Propose_ContinuesAPeriodicTailPastTheEnd()
    {
        Assert.Equal([7, 7, 7, 7], NgramProposer.Propose([1, 2, 7, 7], 1, 3, 4));
        Assert.Equal([5, 6, 5, 6, 5], NgramProposer.Propose([1, 5, 6, 5, 6], 1, 2, 5));
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3, 4 }, 1, 3, 4)]
    [InlineData(new[] { 1, 2, 1, 2 }, 3, 3, 4)]
    [InlineData(new[] { 1, 2, 1, 2 }, 1, 2, 0)]
    [InlineData(new[] { 5 }, 1, 1, 4)]
    public void Propose_NothingRecursOrNoRoom_GivesNone(int[] tokens, int min, int max, int maxDrafts) =>
        Assert.Empty(NgramProposer.Propose(tokens, min, max, maxDrafts));
}

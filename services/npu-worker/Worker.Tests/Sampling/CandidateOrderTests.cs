using Worker.Runtime.Sampling;

namespace Worker.Tests.Sampling;

public sealed class CandidateOrderTests
{
    [Fact]
    public void Key_SortsByWeightDescendingThenIdAscending()
    {
        ulong[] keys = [CandidateOrder.Key(0.5f, 3), CandidateOrder.Key(2f, 9), CandidateOrder.Key(0.5f, 1), CandidateOrder.Key(1e-30f, 0)];

        Array.Sort(keys);

        Assert.Equal([9, 1, 3, 0], keys.Select(CandidateOrder.Id));
    }

    [Fact]
    public void Weight_RoundTripsExactly()
    {
        foreach (float w in new[] { 1e-38f, 0.1f, 1f, 3.4e38f, float.Epsilon })
        {
            Assert.Equal(w, CandidateOrder.Weight(CandidateOrder.Key(w, 151935)));
        }
    }

    [Theory]
    [InlineData(1000, 1, 1)]
    [InlineData(1000, 20, 2)]
    [InlineData(1000, 999, 3)]
    [InlineData(5, 5, 4)]
    public void SelectSmallest_RandomKeysWithDuplicates_PutsTheSmallestFirst(int length, int count, int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, length).Select(_ => (ulong)random.Next(50)).ToArray();
        var expected = keys.Order().Take(count).ToArray();

        CandidateOrder.SelectSmallest(keys, count);

        Assert.Equal(expected, keys.Take(count).Order());
    }
}

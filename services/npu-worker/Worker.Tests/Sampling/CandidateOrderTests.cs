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
    [InlineData(1, 1, 50)]
    [InlineData(1000, 2, 50)]
    [InlineData(151936, 3, 1 << 20)]
    [InlineData(5000, 4, 0)]
    public void SortByWeight_KeysInIdOrder_EndInKeyOrder(int length, int seed, int distinctWeights)
    {
        // distinctWeights 0: weights spread over the whole float range (every pass moves keys); otherwise few values
        // (many ties) or many close ones (the upper passes see one digit and are skipped).
        var random = new Random(seed);
        var keys = Enumerable.Range(0, length).Select(id => CandidateOrder.Key(distinctWeights == 0
            ? BitConverter.Int32BitsToSingle(random.Next(1, 0x7f7fffff))
            : 0.5f + random.Next(distinctWeights) / (float)(1 << 21), id)).ToArray();
        var expected = keys.Order().ToArray();

        CandidateOrder.SortByWeight(keys, new ulong[length]);

        Assert.Equal(expected, keys);
    }
}

using Inference.Abstractions.Execution;
using Worker.Runtime.Sampling;

namespace Worker.Tests.Sampling;

/// <summary>
/// <see cref="LogSoftmax.Top"/> against a plain scan of every logit (the n largest, ties keeping the lower id first)
/// over vocabularies with many ties, with NaN logits at the start, inside a vector, between vectors and in the tail.
/// </summary>
public sealed class TopLogprobsTests
{
    [Theory]
    [InlineData(151936, 5, -1)]
    [InlineData(151936, 1, -1)]
    [InlineData(151936, 20, -1)]
    [InlineData(1003, 7, 500)]
    [InlineData(1003, 7, 3)]
    [InlineData(1003, 7, 1001)]
    [InlineData(1003, 7, 0)]
    [InlineData(6, 10, -1)]
    [InlineData(64, 3, 17)]
    [InlineData(64, 3, 60)]
    [InlineData(1000, 5, 996)]
    [InlineData(1000, 5, 990)]
    [InlineData(64, 3, 54)]
    public void Top_MatchesAPlainScan(int length, int n, int nanAt)
    {
        var random = new Random(length + n);
        // Few distinct values, so the kept ones tie with many others.
        var logits = Enumerable.Range(0, length).Select(_ => (float)random.Next(-200, 40) / 8).ToArray();
        if (nanAt >= 0)
        {
            logits[nanAt] = float.NaN;
        }

        var expected = PlainScan(logits, n, 3f);
        var actual = LogSoftmax.Top(logits, n, 3f);

        Assert.Equal(expected.Select(t => t.TokenId), actual.Select(t => t.TokenId));
        Assert.Equal(expected.Select(t => t.Logprob), actual.Select(t => t.Logprob));
    }

    [Fact]
    public void Top_ALogitAfterAKeptNaNInTheSameVector_TakesTheNaNsPlace()
    {
        // Kept after the first two: 10 and 9. The NaN then takes the second place (no comparison holds against it), and
        // the 5 right after it, though below 9, takes the NaN's: the scan's rule, which the vectors must not skip.
        var logits = Enumerable.Repeat(-1f, 32).ToArray();
        logits[0] = 10;
        logits[1] = 9;
        logits[3] = float.NaN;
        logits[4] = 5;

        var top = LogSoftmax.Top(logits, 2, 0f);

        Assert.Equal([0, 4], top.Select(t => t.TokenId));
        Assert.Equal(PlainScan(logits, 2, 0f).Select(t => t.TokenId), top.Select(t => t.TokenId));
    }

    private static TokenLogprob[] PlainScan(float[] logits, int n, float logSumExp)
    {
        var ids = new List<int>();
        var values = new List<float>();
        for (int i = 0; i < logits.Length; i++)
        {
            float value = logits[i];
            if (values.Count == n && value <= values[n - 1])
            {
                continue;
            }

            if (values.Count == n)
            {
                values.RemoveAt(n - 1);
                ids.RemoveAt(n - 1);
            }

            int position = values.Count;
            while (position > 0 && values[position - 1] < value)
            {
                position--;
            }

            values.Insert(position, value);
            ids.Insert(position, i);
        }

        return [.. ids.Select((id, k) => new TokenLogprob(id, values[k] - logSumExp))];
    }
}

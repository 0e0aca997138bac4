using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

public sealed class GuidedRowChunksTests
{
    /// <summary>
    /// (rows, workers, minRows) both plans must cover: fewer rows than one chunk, the 0.5B sizes' matrices (o, qkv,
    /// the down projection's rows, the LM head), three workers, and one worker.
    /// </summary>
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 1, 2, 16 },
        { 15, 2, 16 },
        { 20, 2, 16 },
        { 128, 2, 16 },
        { 896, 2, 16 },
        { 1152, 2, 16 },
        { 4864, 2, 16 },
        { 4864, 1, 16 },
        { 151936, 2, 16 },
        { 1000, 3, 7 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Plan_AnyRowCount_CoversEveryRowOnceWithShrinkingChunks(int rows, int workers, int minRows)
    {
        var chunks = new GuidedRowChunks();
        int count = chunks.Plan(rows, workers, minRows);

        AssertCoversEveryRowOnce(chunks, count, rows, minRows);
        for (int c = 1; c < count; c++)
        {
            Assert.True(Size(chunks, c) <= Size(chunks, c - 1), $"chunk {c} is larger than chunk {c - 1}");
        }
    }

    [Fact]
    public void Plan_ManyRows_FirstChunkIsAnEighthForTwoWorkers()
    {
        var chunks = new GuidedRowChunks();
        chunks.Plan(8000, 2, 16);

        Assert.Equal(1000, chunks.End(0));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PlanDecode_AnyRowCount_CoversEveryRowOnceWithEvenChunksFirst(int rows, int workers, int minRows)
    {
        foreach (int tailShare in new[] { GuidedRowChunks.DecodeTailShare, 4, 2 })
        {
            AssertDecodePlan(rows, workers, minRows, tailShare);
        }
    }

    private static void AssertDecodePlan(int rows, int workers, int minRows, int tailShare)
    {
        var chunks = new GuidedRowChunks();
        int count = chunks.PlanDecode(rows, workers, minRows, tailShare);

        AssertCoversEveryRowOnce(chunks, count, rows, minRows);
        int even = Math.Max(minRows, (rows - rows / tailShare) / workers);
        for (int c = 0; c < count; c++)
        {
            if (c < workers && chunks.End(c) < rows)
            {
                Assert.Equal(even, Size(chunks, c));
            }
            else if (c > workers)
            {
                Assert.True(Size(chunks, c) <= Size(chunks, c - 1), $"tail chunk {c} is larger than chunk {c - 1}");
            }
        }
    }

    /// <summary>
    /// 3200 rows on two workers: one even chunk each over all but 1 / tailShare of the rows, then the tail's first guided
    /// chunk takes half of it (a 32nd, the BF16 default: 1550 each, then 50 of 100; a quarter, Q8_0's: 1200, then 400 of 800).
    /// </summary>
    [Theory]
    [InlineData(GuidedRowChunks.DecodeTailShare, 1550, 50)]
    [InlineData(4, 1200, 400)]
    public void PlanDecode_ManyRows_OneEvenChunkPerWorkerThenHalfTheTail(int tailShare, int even, int firstTailChunk)
    {
        var chunks = new GuidedRowChunks();
        int count = chunks.PlanDecode(3200, 2, 16, tailShare);

        Assert.Equal(even, chunks.End(0));
        Assert.Equal(2 * even, chunks.End(1));
        Assert.Equal(firstTailChunk, chunks.End(2) - chunks.Start(2));
        Assert.Equal(3200, chunks.End(count - 1));
    }

    [Fact]
    public void PlanDecode_TailShareBelowTwo_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuidedRowChunks().PlanDecode(3200, 2, 16, tailShare: 1));
    }

    private static int Size(GuidedRowChunks chunks, int c) => chunks.End(c) - chunks.Start(c);

    /// <summary>The chunks run from 0 to rows back to back, none empty, all but the last at least minRows long.</summary>
    private static void AssertCoversEveryRowOnce(GuidedRowChunks chunks, int count, int rows, int minRows)
    {
        Assert.Equal(0, chunks.Start(0));
        Assert.Equal(rows, chunks.End(count - 1));
        for (int c = 0; c < count; c++)
        {
            Assert.True(Size(chunks, c) > 0, $"chunk {c} is empty");
            Assert.True(c == count - 1 || Size(chunks, c) >= minRows, $"chunk {c} has {Size(chunks, c)} rows, fewer than {minRows}");
            if (c > 0)
            {
                Assert.Equal(chunks.End(c - 1), chunks.Start(c));
            }
        }
    }
}

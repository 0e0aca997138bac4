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

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PlanPacedDecode_BeforeAnyMeasurement_IsTheEqualPlanToARow(int rows, int workers, int minRows)
    {
        var paced = new GuidedRowChunks();
        var equal = new GuidedRowChunks();
        int count = paced.PlanPacedDecode(rows, workers, minRows, 16);

        Assert.Equal(equal.PlanDecode(rows, workers, minRows, 16), count);
        AssertCoversEveryRowOnce(paced, count, rows, minRows);
        for (int c = 0; c < count; c++)
        {
            Assert.InRange(paced.Start(c) - equal.Start(c), -workers, workers); // the equal plan rounds each share down, the paced one to nearest
        }
    }

    /// <summary>3200 rows, a 32nd in the tail: worker 0 ran its 1550 rows in half worker 1's time, so its pace moves a quarter of the way from 1/2 to 2/3.</summary>
    [Fact]
    public void UpdatePace_OneWorkerTwiceAsFast_NextPlanGivesItMoreRows()
    {
        var chunks = new GuidedRowChunks();
        chunks.PlanPacedDecode(3200, 2, 16, 32);
        RunEvenChunks(chunks, ticks0: 100, ticks1: 200);

        Assert.Equal(0.5 + (2.0 / 3 - 0.5) / 4, chunks.Pace(0), 12);
        int count = chunks.PlanPacedDecode(3200, 2, 16, 32);
        Assert.Equal((int)Math.Round(3100 * chunks.Pace(0)), chunks.End(0));
        Assert.Equal(3100, chunks.End(1));
        AssertCoversEveryRowOnce(chunks, count, 3200, 16);
    }

    /// <summary>The pool numbers chunks in arrival order: a helper that arrives first still runs the chunk sized for it, and the tail chunks are not remapped.</summary>
    [Fact]
    public void Assign_WorkersArriveInEitherOrder_EachGetsItsOwnEvenChunk()
    {
        var chunks = new GuidedRowChunks();
        int count = chunks.PlanPacedDecode(3200, 3, 16, 32);

        Assert.Equal(2, chunks.Assign(0, 2));
        Assert.Equal(0, chunks.Assign(1, 0));
        Assert.Equal(1, chunks.Assign(2, 1));
        Assert.Equal(count - 1, chunks.Assign(count - 1, 0));
    }

    /// <summary>A worker that takes two chunk numbers before the other arrives runs both even chunks; the pace, which it then cannot tell apart, stays.</summary>
    [Fact]
    public void Assign_OneWorkerTakesBothEvenChunks_RunsEachOnceAndPaceStays()
    {
        var chunks = new GuidedRowChunks();
        chunks.PlanPacedDecode(3200, 2, 16, 32);

        Assert.Equal(0, chunks.Assign(0, 0));
        Assert.Equal(1, chunks.Assign(1, 0));
        chunks.Ran(0, 0, 100);
        chunks.Ran(1, 0, 300);
        chunks.UpdatePace();

        Assert.Equal(0.5, chunks.Pace(0));
    }

    /// <summary>A worker stalled in every run keeps at least 0.3 of an equal share, and the plans still cover every row once.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void UpdatePace_WorkerStalledEveryRun_KeepsAMinimumShare(int rows, int workers, int minRows)
    {
        var chunks = new GuidedRowChunks();
        for (int run = 0; run < 100; run++)
        {
            int count = chunks.PlanPacedDecode(rows, workers, minRows, 32);
            AssertCoversEveryRowOnce(chunks, count, rows, minRows);
            for (int w = 0; w < Math.Min(workers, count); w++)
            {
                chunks.Ran(chunks.Assign(w, w), w, w == workers - 1 ? 1_000_000 : 100);
            }

            chunks.UpdatePace();
        }

        double floor = 0.3 / workers;
        Assert.InRange(chunks.Pace(workers - 1), floor - 1e-9, workers == 1 || rows < minRows * workers ? 1 : floor + 0.01);
        Assert.Equal(1, Enumerable.Range(0, workers).Sum(chunks.Pace), 9);
    }

    private static void RunEvenChunks(GuidedRowChunks chunks, long ticks0, long ticks1)
    {
        chunks.Ran(chunks.Assign(0, 0), 0, ticks0);
        chunks.Ran(chunks.Assign(1, 1), 1, ticks1);
        chunks.UpdatePace();
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

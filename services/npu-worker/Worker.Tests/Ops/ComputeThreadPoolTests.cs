using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>
/// The pool's hand-off: every chunk of every run runs exactly once whether the helpers were spinning (runs back to
/// back) or had gone to sleep (runs after a pause longer than the spin budget), with runs too small for every helper
/// in between; a chunk's exception reaches the caller and the pool keeps working; disposing ends the helpers in
/// either state.
/// </summary>
public sealed class ComputeThreadPoolTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Run_BackToBackAndAfterPauses_ExecutesEveryChunkExactlyOnce(int threads)
    {
        using var pool = new ComputeThreadPool(threads);
        var work = new CountingWork(64);
        int[] chunkCounts = [1, 2, 3, 64, 2, 17, 1, 5];
        for (int run = 0; run < 400; run++)
        {
            int chunks = chunkCounts[run % chunkCounts.Length];
            if (run % 50 == 49)
            {
                Thread.Sleep(5); // past the spin budget: the helpers block and must be woken
            }

            work.Reset();
            pool.Run(work, chunks);
            work.AssertEachOnce(chunks, run);
        }
    }

    [Fact]
    public void Run_ChunkThrows_RethrowsAndPoolKeepsWorking()
    {
        using var pool = new ComputeThreadPool(2);
        var failing = new FailingWork(failAt: 3);
        var e = Assert.Throws<InvalidOperationException>(() => pool.Run(failing, 8));
        Assert.Equal("chunk 3", e.Message);

        var work = new CountingWork(16);
        for (int run = 0; run < 20; run++)
        {
            work.Reset();
            pool.Run(work, 16);
            work.AssertEachOnce(16, run);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    public async Task Dispose_WhileHelpersSpinOrSleep_Returns(int pauseMs)
    {
        var pool = new ComputeThreadPool(3);
        pool.Run(new CountingWork(8), 8);
        await Task.Delay(pauseMs);
        await Task.Run(pool.Dispose).WaitAsync(TimeSpan.FromSeconds(10)); // TimeoutException when a helper never ends
    }

    private sealed class CountingWork(int maxChunks) : IParallelWork
    {
        private readonly int[] _counts = new int[maxChunks];

        public void Reset() => Array.Clear(_counts);

        public void Execute(int chunkIndex, int workerIndex)
        {
            Thread.SpinWait(50 * (chunkIndex % 4));
            Interlocked.Increment(ref _counts[chunkIndex]);
        }

        public void AssertEachOnce(int chunks, int run)
        {
            for (int c = 0; c < maxChunks; c++)
            {
                int expected = c < chunks ? 1 : 0;
                Assert.True(Volatile.Read(ref _counts[c]) == expected, $"run {run}: chunk {c} ran {_counts[c]} times, expected {expected}");
            }
        }
    }

    private sealed class FailingWork(int failAt) : IParallelWork
    {
        public void Execute(int chunkIndex, int workerIndex)
        {
            if (chunkIndex == failAt)
            {
                throw new InvalidOperationException($"chunk {chunkIndex}");
            }
        }
    }
}

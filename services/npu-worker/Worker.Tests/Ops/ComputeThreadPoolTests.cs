using System.Diagnostics;
using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>
/// The pool's hand-off: every chunk of every run runs exactly once whether the helpers were spinning (runs back to
/// back) or had gone to sleep (runs after a pause longer than the spin budget), with runs too small for every helper
/// in between, or that the caller drains before a helper joins; a chunk's exception reaches the caller and the pool
/// keeps working; disposing ends the helpers in either state, and right after runs they missed.
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

    /// <summary>
    /// A run given before the helpers first wait for work (right after construction), then runs after pauses past the
    /// spin budget: a wake-up left over from that first hand-off once let a helper run a phantom pass and upset the
    /// count of running helpers, so later runs returned early (their chunks then ran during the next run) or never
    /// returned. Every run must finish, run each chunk once, and leave nothing running after it returns.
    /// </summary>
    [Fact]
    public async Task Run_FirstRunBeforeHelpersWaitThenPauses_EveryRunCompletesExactlyOnce()
    {
        await Task.Run(() =>
        {
            for (int pool = 0; pool < 40; pool++)
            {
                using var threads = new ComputeThreadPool(2);
                CountingWork? previous = null;
                for (int run = 0; run < 40; run++)
                {
                    var work = new CountingWork(4);
                    threads.Run(work, 2 + run % 3);
                    work.AssertEachOnce(2 + run % 3, run);
                    previous?.AssertEachOnce(2 + (run - 1) % 3, run - 1); // nothing of the last run ran after it returned
                    previous = work;

                    // Pauses from 0 to 2 ms, around the 1 ms spin budget, so a helper's move to sleep meets the next run.
                    long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * ((pool * 7 + run * 53) % 2000) / 1_000_000;
                    while (Stopwatch.GetTimestamp() < until)
                    {
                        Thread.SpinWait(20);
                    }
                }
            }
        }).WaitAsync(TimeSpan.FromSeconds(60)); // TimeoutException when a run never returns
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

    /// <summary>
    /// Runs so small that the caller drains them before a helper gets there, then Dispose at once: a helper that finds
    /// its run already over must still see Dispose (once it dropped Dispose's claim and blocked for good: 2 of 3 runs of
    /// this test hung).
    /// </summary>
    [Fact]
    public async Task Dispose_RightAfterRunsTheHelpersMissed_Returns()
    {
        await Task.Run(() =>
        {
            for (int i = 0; i < 3000; i++)
            {
                var pool = new ComputeThreadPool(2);
                for (int run = 0; run < 1 + i % 4; run++)
                {
                    var work = new CountingWork(2);
                    pool.Run(work, 2);
                    work.AssertEachOnce(2, run);
                }

                pool.Dispose();
            }
        }).WaitAsync(TimeSpan.FromSeconds(60)); // TimeoutException when a helper never ends
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

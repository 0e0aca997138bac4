using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Worker.Runtime.Ops;

/// <summary>A piece of parallel work split into chunks; workerIndex selects per-thread scratch memory.</summary>
public interface IParallelWork
{
    void Execute(int chunkIndex, int workerIndex);
}

/// <summary>
/// Persistent worker threads that take chunks from an atomic counter. Parallel.For per matmul costs
/// hundreds of microseconds and allocates; handing work to a running thread costs well under one.
/// The calling thread works too (as worker 0), so Threads = 1 runs everything inline.
/// <para>
/// A forward pass is a hundred or more runs separated by a few microseconds of serial work, so a helper that finished
/// one run spins for the next for up to <see cref="SpinBudget"/> before it blocks, and the caller spins for the
/// helpers' last chunks the same way. A blocked thread is woken through the kernel, and on a virtual machine the
/// idle vCPU it sleeps on may first have to be rescheduled by the host: measured on the 2-vCPU bench machine, one
/// run in a hundred then waited 100-300 us for its helper, longer than a decode matmul takes. llama.cpp's threads
/// spin between operations for the same reason. Spinning stops after the budget, so an idle worker sleeps.
/// Helpers that spent the wait reading the first rows of the next one-token matmul ahead (told which by the model)
/// made the Q8_0 decode step no faster (Zen 5, rounds alternated in one process): the caller's serial work between
/// two matmuls lasts about 5 us, time to read some 40 KiB of a helper's rows, a microsecond of its streaming.
/// </para>
/// <para>
/// A run waits only for the helpers that joined it. A helper joins through <see cref="SharedCounters.Gate"/> when it gets to the run;
/// the caller closes the gate once it has drained the chunks, so a claimed helper that had not started by then (still
/// waking, or not yet scheduled) is left out, and the caller never waits for a helper that has nothing to do. This is
/// what a worker sharing its cores with other processes needs: there a woken helper often waited behind the spinning
/// caller on the caller's own core, while another process held its own, and every such run ended with the caller
/// spinning out its budget and blocking before the helper could even confirm it had no chunk left. Serving 16 streams
/// through `serve` on 2 cores, one run in ten ended that way (one in a hundred in process), and the decode step's
/// small matmuls took twice as long as in process.
/// </para>
/// </summary>
public sealed class ComputeThreadPool : IDisposable
{
    /// <summary>How long a thread waits by spinning before it blocks: longer than the gaps inside a step and the sampling after it.</summary>
    private static readonly long SpinBudget = Stopwatch.Frequency / 1000;

    /// <summary>The gate's closed flag; the bits below it count the helpers inside the current run.</summary>
    /// <summary>
    /// Pause iterations between two looks at a spun-on field. Each look was 8 apart before: a helper then joined a run
    /// about 1 us after it was claimed, so two chunks of 1.1 us took 2.1-2.3 us (no faster than one thread) and 16 of
    /// them 11.1 us; one apart, 1.34 and 9.4 us (Zen 5; no pause at all measured the same as one). A 128-token Q8_0
    /// prefill of the 0.5B sizes took 1-2% less time, rounds alternated; decode steps were unchanged.
    /// </summary>
    private const int SpinIterations = 1;

    private const int GateClosed = 1 << 30;

    private const int Sleeping = 0;
    private const int Spinning = 1;
    private const int Claimed = 2;

    private readonly Helper[] _helpers;
    private readonly ManualResetEventSlim _done = new(false);
    private IParallelWork? _work;
    private int _chunkCount;
    private SharedCounters _shared = new() { Gate = GateClosed };
    private Exception? _error;
    private volatile bool _disposed;

    public ComputeThreadPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _helpers = new Helper[threads - 1];
        for (int i = 0; i < _helpers.Length; i++)
        {
            int workerIndex = i + 1;
            var helper = new Helper();
            helper.Thread = new Thread(() => HelperLoop(helper, workerIndex)) { IsBackground = true, Name = $"compute-{workerIndex}" };
            _helpers[i] = helper;
            helper.Thread.Start();
        }
    }

    /// <summary>Threads including the caller; per-thread scratch needs this many slots.</summary>
    public int WorkerCount => _helpers.Length + 1;

    /// <summary>Runs chunks 0..chunkCount-1 and returns when all are done. Not reentrant.</summary>
    public void Run(IParallelWork work, int chunkCount)
    {
        if (chunkCount <= 0)
        {
            return;
        }

        int helpers = Math.Min(_helpers.Length, chunkCount - 1);
        if (helpers == 0)
        {
            for (int i = 0; i < chunkCount; i++)
            {
                work.Execute(i, 0);
            }

            return;
        }

        _work = work;
        _chunkCount = chunkCount;
        _error = null;
        Volatile.Write(ref _shared.NextChunk, 0);
        Volatile.Write(ref _shared.Gate, 0);
        for (int i = 0; i < helpers; i++)
        {
            _helpers[i].Claim();
        }

        try
        {
            Drain(0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }

        // Every chunk is taken: close the gate, then wait for the helpers inside to finish theirs.
        if (Interlocked.Add(ref _shared.Gate, GateClosed) != GateClosed && !SpinUntil(ref _shared.Gate, GateClosed))
        {
            // Reset before each look at the gate: a helper sets the event after its leaving empties the closed gate, so
            // a leave after the look still ends the wait, and a set left over from an earlier run costs one more look.
            while (true)
            {
                _done.Reset();
                if (Volatile.Read(ref _shared.Gate) == GateClosed)
                {
                    break;
                }

                _done.Wait();
            }
        }

        _work = null;
        if (_error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private void Drain(int workerIndex)
    {
        var work = _work!;
        int chunk;
        while ((chunk = Interlocked.Increment(ref _shared.NextChunk) - 1) < _chunkCount)
        {
            work.Execute(chunk, workerIndex);
        }
    }

    private void HelperLoop(Helper helper, int workerIndex)
    {
        while (true)
        {
            helper.WaitForClaim();
            if (_disposed)
            {
                return;
            }

            if (!TryJoin())
            {
                // The run was over before this helper got to it (its caller drained every chunk). A claim made since,
                // for the next run or by Dispose, is dropped here: the next run goes without this helper, and Dispose
                // is seen below.
                helper.FinishRun();
                if (_disposed)
                {
                    return;
                }

                continue;
            }

            try
            {
                Drain(workerIndex);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }

            // Spinning before leaving: the caller may claim this helper for the next run as soon as it has left.
            helper.FinishRun();
            if (Interlocked.Decrement(ref _shared.Gate) == GateClosed)
            {
                _done.Set();
            }
        }
    }

    /// <summary>Enters the current run unless its caller has closed the gate (the run is over or about to be).</summary>
    private bool TryJoin()
    {
        int gate = Volatile.Read(ref _shared.Gate);
        while ((gate & GateClosed) == 0)
        {
            int seen = Interlocked.CompareExchange(ref _shared.Gate, gate + 1, gate);
            if (seen == gate)
            {
                return true;
            }

            gate = seen;
        }

        return false;
    }

    /// <summary>Spins until <paramref name="location"/> holds <paramref name="value"/>, at most <see cref="SpinBudget"/>; false when it ran out.</summary>
    private static bool SpinUntil(ref int location, int value)
    {
        long deadline = 0;
        while (Volatile.Read(ref location) != value)
        {
            if (deadline == 0)
            {
                deadline = Stopwatch.GetTimestamp() + SpinBudget;
            }
            else if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            Thread.SpinWait(SpinIterations);
        }

        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var helper in _helpers)
        {
            helper.Claim();
        }

        foreach (var helper in _helpers)
        {
            helper.Thread!.Join();
            helper.Dispose();
        }

        _done.Dispose();
    }

    /// <summary>
    /// One helper thread's hand-off: Spinning while it polls for work (from the start, and after each run), Sleeping
    /// once it blocked, Claimed when the caller gave it a run. Only the helper moves to Sleeping, just before it
    /// blocks, and only the caller moves to Claimed, waking the helper through the kernel exactly when it found it
    /// Sleeping: one wake-up per block, none left over. (A helper that began Sleeping took a wake-up from a run
    /// claimed before it first looked at its state without blocking for it; that stray wake-up later started a
    /// phantom pass, which upset the count of running helpers: a run returned early or never returned.)
    /// </summary>
    private sealed class Helper : IDisposable
    {
        private readonly SemaphoreSlim _wake = new(0);
        private int _state = Spinning;

        public Thread? Thread { get; set; }

        /// <summary>Caller side: gives this helper the next run.</summary>
        public void Claim()
        {
            if (Interlocked.Exchange(ref _state, Claimed) == Sleeping)
            {
                _wake.Release();
            }
        }

        /// <summary>Helper side: marks the end of a run (polling for the next one starts).</summary>
        public void FinishRun()
        {
            int previous = Interlocked.Exchange(ref _state, Spinning);
            Debug.Assert(previous == Claimed, "a helper finished a run it was not claimed for");
        }

        /// <summary>Helper side: returns once claimed, spinning first, then blocking.</summary>
        public void WaitForClaim()
        {
            if (!SpinUntil(ref _state, Claimed) && Interlocked.CompareExchange(ref _state, Sleeping, Spinning) == Spinning)
            {
                _wake.Wait();
            }
        }

        public void Dispose() => _wake.Dispose();
    }

    /// <summary>
    /// The two counters every thread of a run writes, each on a cache line of its own (64 bytes apart, and 64 bytes
    /// past the pool's other fields). Next to each other and to the run's fields, a helper's join and every chunk it
    /// took pulled the line away from the caller, which was taking chunks from it too. On the 2-vCPU Zen 5 bench
    /// machine a cache line took 0.3-0.7 us from one core to the other (ping-pong, 0.6-1.4 us a round trip); two
    /// chunks of 1.1 us ran in 1.9 us instead of 2.0-2.35 (four in 3.2 instead of 3.5-3.7), three runs of 200,000 each.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct SharedCounters
    {
        /// <summary>The next chunk to hand out.</summary>
        [FieldOffset(64)]
        public int NextChunk;

        /// <summary>The gate: <see cref="GateClosed"/> once the caller has drained the chunks, plus the helpers inside.</summary>
        [FieldOffset(128)]
        public int Gate;
    }
}

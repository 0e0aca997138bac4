using System.Runtime.ExceptionServices;

namespace Worker.Runtime.Ops;

/// <summary>A piece of parallel work split into chunks; workerIndex selects per-thread scratch memory.</summary>
public interface IParallelWork
{
    void Execute(int chunkIndex, int workerIndex);
}

/// <summary>
/// Persistent worker threads that take chunks from an atomic counter. Parallel.For per matmul costs
/// hundreds of microseconds and allocates; waking parked threads costs a few microseconds and nothing.
/// The calling thread works too (as worker 0), so Threads = 1 runs everything inline.
/// </summary>
public sealed class ComputeThreadPool : IDisposable
{
    private readonly Thread[] _helpers;
    private readonly SemaphoreSlim _start = new(0);
    private readonly ManualResetEventSlim _done = new(false);
    private IParallelWork? _work;
    private int _chunkCount;
    private int _nextChunk;
    private int _running;
    private Exception? _error;
    private volatile bool _disposed;

    public ComputeThreadPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _helpers = new Thread[threads - 1];
        for (int i = 0; i < _helpers.Length; i++)
        {
            int workerIndex = i + 1;
            _helpers[i] = new Thread(() => HelperLoop(workerIndex)) { IsBackground = true, Name = $"compute-{workerIndex}" };
            _helpers[i].Start();
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
        Volatile.Write(ref _nextChunk, 0);
        Volatile.Write(ref _running, helpers);
        _done.Reset();
        _start.Release(helpers);
        try
        {
            Drain(0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }

        _done.Wait();
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
        while ((chunk = Interlocked.Increment(ref _nextChunk) - 1) < _chunkCount)
        {
            work.Execute(chunk, workerIndex);
        }
    }

    private void HelperLoop(int workerIndex)
    {
        while (true)
        {
            _start.Wait();
            if (_disposed)
            {
                return;
            }

            try
            {
                Drain(workerIndex);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }

            if (Interlocked.Decrement(ref _running) == 0)
            {
                _done.Set();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_helpers.Length > 0)
        {
            _start.Release(_helpers.Length);
        }

        foreach (var thread in _helpers)
        {
            thread.Join();
        }

        _start.Dispose();
        _done.Dispose();
    }
}

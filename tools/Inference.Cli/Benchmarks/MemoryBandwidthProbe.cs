using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Inference.Cli.Benchmarks;

/// <summary>What the read-bandwidth probe measured, and through which page size.</summary>
/// <param name="HugePages">Whether the kernel backed most of the buffer with 2 MiB pages.</param>
public sealed record ReadBandwidth(double BytesPerSecond, long BufferBytes, bool HugePages);

/// <summary>
/// The machine's memory read bandwidth: every thread sums its own slice of one buffer far larger than the last-level
/// cache with the widest vectors the runtime accelerates (<see cref="Sum"/>), pass after pass for a
/// window about as long as a 1-sequence decode round; a window's figure is its bytes over its time, like a round's.
/// On a shared host the bandwidth left to us moves from one moment to the next, so `bench` measures windows at the
/// start, beside every 1-sequence round (the engines' rounds and the probe's windows take turns) and at the end, and
/// the best window counts, as the best round does.
/// The buffer asks for 2 MiB pages (transparent huge pages, madvise): through 4 KiB pages a single stream per core
/// stalls on a page walk every 4 KiB and reads well below what the memory gives. On the 2-core Zen 5 the same sum read
/// 50 GB/s through 4 KiB pages and 68-80 through 2 MiB ones, and the BF16 decode step's matmuls, four streams per
/// core, streamed about 60 GB/s through 4 KiB pages: a probe an engine beats is no limit. Where the kernel grants no
/// huge pages (THP "never", not Linux) the probe reads through 4 KiB pages and says so.
/// </summary>
public sealed unsafe partial class MemoryBandwidthProbe : IDisposable
{
    /// <summary>A window: about one 1-sequence decode round of the 0.5B checkpoint (32 steps).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(0.5);

    private const long HugePageBytes = 2L << 20;
    private const int MadviseHugePage = 14;

    private readonly int _threads;
    private readonly long _length;
    private readonly bool _hugePages;
    private float* _buffer;

    /// <summary>Allocates and touches the buffer (the page faults are not timed); it is reused by every window.</summary>
    public MemoryBandwidthProbe(long bufferBytes, int threads)
    {
        _threads = threads;
        _length = bufferBytes / sizeof(float) / 64 * 64;
        long bytes = _length * sizeof(float);
        long hugeBefore = AnonHugePagesBytes();
        _buffer = (float*)NativeMemory.AlignedAlloc((nuint)bytes, (nuint)HugePageBytes);
        if (OperatingSystem.IsLinux())
        {
            // Advice before the first touch, so the faults below allocate huge pages; refused, the pages are 4 KiB.
            _ = Madvise((nint)_buffer, (nuint)bytes, MadviseHugePage);
        }

        for (long i = 0; i < _length; i += int.MaxValue)
        {
            new Span<float>(_buffer + i, (int)Math.Min(_length - i, int.MaxValue)).Fill(1.0f);
        }

        _hugePages = AnonHugePagesBytes() - hugeBefore >= bytes / 2;
    }

    public static ReadBandwidth Best(ReadBandwidth a, ReadBandwidth b) => a.BytesPerSecond >= b.BytesPerSecond ? a : b;

    /// <summary>Whole passes over the buffer for at least <see cref="Window"/>; their bytes over their time.</summary>
    public ReadBandwidth MeasureWindow()
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        float* buffer = _buffer;
        long length = _length;
        int threads = _threads;
        var window = Stopwatch.StartNew();
        long passes = 0;
        while (passes < 3 || window.Elapsed < Window)
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                long slice = length / threads / 64 * 64;
                Sum(buffer, t * slice, t == threads - 1 ? length : (t + 1) * slice);
            });
            passes++;
        }

        long bytes = length * sizeof(float);
        return new ReadBandwidth(passes * bytes / window.Elapsed.TotalSeconds, bytes, _hugePages);
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            NativeMemory.AlignedFree(_buffer);
            _buffer = null;
        }
    }

    /// <summary>A buffer "well above the caches": 8 times the last-level cache, at least 256 MiB.</summary>
    public static long DefaultBufferBytes() => Math.Max(256L << 20, 8 * CpuDescription.LastLevelCacheBytes());

    /// <summary>This process's anonymous memory in huge pages (/proc/self/smaps_rollup), 0 where that is not known.</summary>
    private static long AnonHugePagesBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/smaps_rollup"))
            {
                if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    /// <summary>
    /// Sums [start, end) with <see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/>, which takes the widest vectors
    /// the runtime accelerates with several accumulators: it read as fast as a hand-written four-accumulator Vector512
    /// loop (windows interleaved on the Zen 5, 63-80 GB/s each, neither ahead).
    /// </summary>
    private static float Sum(float* p, long start, long end)
    {
        float sum = 0;
        for (long i = start; i < end; i += int.MaxValue)
        {
            sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(p + i, (int)Math.Min(end - i, int.MaxValue)));
        }

        return sum;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text.Json.Serialization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Inference.Cli.Benchmarks;

/// <summary>How a window reads each thread's slice of the buffer.</summary>
/// <param name="StreamsPerThread">Into how many equal parts each thread's slice is cut, all read side by side.</param>
/// <param name="Prefetched">Whether each stream's lines are also prefetched in software, as the decode kernels do.</param>
public readonly record struct ReadPattern(int StreamsPerThread, bool Prefetched = false)
{
    /// <summary>"4", or "8 prefetched".</summary>
    public override string ToString() => Prefetched ? $"{StreamsPerThread} prefetched" : $"{StreamsPerThread}";
}

/// <summary>What the read-bandwidth probe measured, through which page size and which read pattern.</summary>
/// <param name="HugePages">Whether the kernel backed most of the buffer with 2 MiB pages.</param>
/// <param name="StreamsPerThread">Into how many equal parts each thread's slice was cut, all read side by side.</param>
/// <param name="Prefetched">Whether each stream's lines were also prefetched in software.</param>
public sealed record ReadBandwidth(double BytesPerSecond, long BufferBytes, bool HugePages, int StreamsPerThread = 1, bool Prefetched = false)
{
    [JsonIgnore]
    public ReadPattern Pattern => new(StreamsPerThread, Prefetched);
}

/// <summary>
/// The machine's memory read bandwidth: every thread sums its own slice of one buffer far larger than the last-level
/// cache with the widest vectors the runtime accelerates, pass after pass for a window about as long as a 1-sequence
/// decode round; a window's figure is its bytes over its time, like a round's. Each measurement reads the slices as
/// one stream per thread (<see cref="Sum"/>) and cut into 2 and 4 streams read side by side (<see cref="SumStreams"/>),
/// a window each, and as 8 streams each prefetched in software (<see cref="SumStreamsPrefetched"/>), and the best
/// counts: on the 2-core Zen 5, in one minute, one stream per thread read 47-61 GB/s and two 51-81, four 65-74
/// (windows alternated, six each), so one stream alone could put the limit below what the decode kernels, four
/// streams per thread, read (109-122% of it in one run). On a 2-core Intel Xeon (Ice Lake, session 38) the BF16 decode
/// step's matmuls read 104-120% of the best of 1, 2 and 4 plain streams; there 8 prefetched streams read a median
/// 29.5 GB/s against 24.8 for 4 plain ones (12 windows alternated), 16 prefetched 29.7, and prefetching 768 or 3072
/// bytes ahead instead of 1536 no more.
/// On a shared host the bandwidth left to us moves from one moment to the next, so `bench` measures windows at the
/// start, around every round of the engines' 1-sequence turns (a window before each round and one after the last, so
/// every round lies between two) and at the end; the best window of the run counts as the limit, as the best round
/// does, and each engine's fastest turn is also set against the better of the two windows around its round.
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

    /// <summary>The read patterns the probe tries, a window each.</summary>
    public static readonly IReadOnlyList<ReadPattern> Patterns = [new(1), new(2), new(4), new(8, Prefetched: true)];

    /// <summary>A window for each of <see cref="Patterns"/>; the best of them.</summary>
    public ReadBandwidth MeasureWindow()
    {
        var best = MeasureWindow(Patterns[0]);
        foreach (var pattern in Patterns.Skip(1))
        {
            best = Best(best, MeasureWindow(pattern));
        }

        return best;
    }

    /// <summary>Whole passes over the buffer for at least <see cref="Window"/>, each thread's slice read in that pattern; their bytes over their time.</summary>
    public ReadBandwidth MeasureWindow(ReadPattern pattern)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        int streamsPerThread = pattern.StreamsPerThread;
        ArgumentOutOfRangeException.ThrowIfLessThan(streamsPerThread, 1);
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
                long start = t * slice, end = t == threads - 1 ? length : (t + 1) * slice;
                if (pattern.Prefetched)
                {
                    SumStreamsPrefetched(buffer + start, end - start, streamsPerThread);
                }
                else if (streamsPerThread == 1)
                {
                    Sum(buffer, start, end);
                }
                else
                {
                    SumStreams(buffer + start, end - start, streamsPerThread);
                }
            });
            passes++;
        }

        long bytes = length * sizeof(float);
        return new ReadBandwidth(passes * bytes / window.Elapsed.TotalSeconds, bytes, _hugePages, streamsPerThread, pattern.Prefetched);
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

    /// <summary>
    /// Sums n floats as <paramref name="streams"/> equal parts read side by side, 256 bytes of each in turn (a part's
    /// last partial step is left out: at most 256 bytes a part of a slice of many megabytes), with the widest
    /// accelerated vectors.
    /// </summary>
    internal static float SumStreams(float* p, long n, int streams)
    {
        const int Step = 64;
        long part = n / streams / Step * Step;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (long i = 0; i < part; i += Step)
            {
                for (int s = 0; s < streams; s++)
                {
                    float* q = p + s * part + i;
                    a0 += Vector512.Load(q);
                    a1 += Vector512.Load(q + 16);
                    a2 += Vector512.Load(q + 32);
                    a3 += Vector512.Load(q + 48);
                }
            }

            return Vector512.Sum((a0 + a1) + (a2 + a3));
        }

        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        for (long i = 0; i < part; i += Step)
        {
            for (int s = 0; s < streams; s++)
            {
                float* q = p + s * part + i;
                b0 += Vector256.Load(q) + Vector256.Load(q + 8);
                b1 += Vector256.Load(q + 16) + Vector256.Load(q + 24);
                b2 += Vector256.Load(q + 32) + Vector256.Load(q + 40);
                b3 += Vector256.Load(q + 48) + Vector256.Load(q + 56);
            }
        }

        return Vector256.Sum((b0 + b1) + (b2 + b3));
    }

    /// <summary>How far ahead <see cref="SumStreamsPrefetched"/> prefetches each stream, as the decode kernels do.</summary>
    private const int PrefetchBytes = 1536;

    /// <summary>
    /// Sums n floats as <paramref name="streams"/> equal parts read side by side, one 64-byte line of each in turn, each
    /// part's line <see cref="PrefetchBytes"/> ahead prefetched first (a part's last partial line is left out), with the
    /// widest accelerated vectors: the way the decode kernels read their rows.
    /// </summary>
    internal static float SumStreamsPrefetched(float* p, long n, int streams)
    {
        const int Line = 16;
        const int Ahead = PrefetchBytes / sizeof(float);
        long part = n / streams / Line * Line;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default;
            for (long i = 0; i < part; i += Line)
            {
                int s = 0;
                for (; s + 1 < streams; s += 2)
                {
                    float* q = p + s * part + i;
                    Prefetch(q + Ahead);
                    Prefetch(q + part + Ahead);
                    a0 += Vector512.Load(q);
                    a1 += Vector512.Load(q + part);
                }

                if (s < streams)
                {
                    float* q = p + s * part + i;
                    Prefetch(q + Ahead);
                    a0 += Vector512.Load(q);
                }
            }

            return Vector512.Sum(a0 + a1);
        }

        Vector256<float> b0 = default, b1 = default;
        for (long i = 0; i < part; i += Line)
        {
            for (int s = 0; s < streams; s++)
            {
                float* q = p + s * part + i;
                Prefetch(q + Ahead);
                b0 += Vector256.Load(q);
                b1 += Vector256.Load(q + 8);
            }
        }

        return Vector256.Sum(b0 + b1);
    }

    /// <summary>The line at p into every cache level, where the instruction set has the hint.</summary>
    private static void Prefetch(float* p)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(p);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// The machine's memory read bandwidth as a decode step sees it: every thread sums its own slice of one buffer far
/// larger than the last-level cache with the widest vectors the runtime accelerates and four independent
/// accumulators; bytes read over the fastest of several passes (the first pass, which faults the pages in, is not timed).
/// </summary>
public static class MemoryBandwidthProbe
{
    /// <returns>Bytes per second.</returns>
    public static double Measure(long bufferBytes, int threads, int passes = 5)
    {
        var buffer = GC.AllocateUninitializedArray<float>(checked((int)(bufferBytes / sizeof(float))), pinned: true);
        Array.Fill(buffer, 1.0f);
        double best = double.MaxValue;
        for (int pass = 0; pass <= passes; pass++)
        {
            var started = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                long slice = buffer.Length / threads / 64 * 64;
                Sum(buffer, t * slice, t == threads - 1 ? buffer.Length : (t + 1) * slice);
            });
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (pass > 0)
            {
                best = Math.Min(best, seconds);
            }
        }

        GC.KeepAlive(buffer);
        return buffer.LongLength * sizeof(float) / best;
    }

    /// <summary>A buffer "well above the caches": 8 times the last-level cache, at least 256 MiB.</summary>
    public static long DefaultBufferBytes() => Math.Max(256L << 20, 8 * CpuDescription.LastLevelCacheBytes());

    private static unsafe float Sum(float[] buffer, long start, long end)
    {
        fixed (float* p = buffer)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> a = default, b = default, c = default, d = default;
                long i = start;
                for (; i + 64 <= end; i += 64)
                {
                    a += Vector512.Load(p + i);
                    b += Vector512.Load(p + i + 16);
                    c += Vector512.Load(p + i + 32);
                    d += Vector512.Load(p + i + 48);
                }

                return Vector512.Sum(a + b + c + d) + Tail(p, i, end);
            }
            else
            {
                Vector256<float> a = default, b = default, c = default, d = default;
                long i = start;
                for (; i + 32 <= end; i += 32)
                {
                    a += Vector256.Load(p + i);
                    b += Vector256.Load(p + i + 8);
                    c += Vector256.Load(p + i + 16);
                    d += Vector256.Load(p + i + 24);
                }

                return Vector256.Sum(a + b + c + d) + Tail(p, i, end);
            }
        }
    }

    private static unsafe float Tail(float* p, long i, long end)
    {
        float sum = 0;
        for (; i < end; i++)
        {
            sum += p[i];
        }

        return sum;
    }
}

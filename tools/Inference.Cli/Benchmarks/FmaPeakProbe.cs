using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// The machine's fp32 FMA peak: every thread runs twelve independent FMA chains in registers (enough to cover the
/// FMA latency on two pipes), nothing loaded or stored; FLOPs (2 per lane per FMA) over the fastest of several
/// passes. Measured with Vector256 and, where the runtime accelerates it, Vector512 (Zen 4 runs 512-bit FMAs as two
/// 256-bit halves, so the two agree there).
/// </summary>
public static class FmaPeakProbe
{
    private const int Chains = 12;

    /// <returns>FLOP per second of the wider of the two widths, and each width's figure.</returns>
    public static FmaPeak Measure(int threads, long iterations = 20_000_000, int passes = 3)
    {
        double v256 = Run(threads, iterations, passes, Chain256) * 8;
        double v512 = Vector512.IsHardwareAccelerated ? Run(threads, iterations / 2, passes, Chain512) * 16 : 0;
        return new FmaPeak(Math.Max(v256, v512), v256, v512 > 0 ? v512 : null);
    }

    /// <returns>FMAs per second per lane.</returns>
    private static double Run(int threads, long iterations, int passes, Func<long, float> chain)
    {
        double best = double.MaxValue;
        for (int pass = 0; pass <= passes; pass++)
        {
            var sink = new float[threads];
            var started = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => sink[t] = chain(pass == 0 ? iterations / 10 : iterations));
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (pass > 0)
            {
                best = Math.Min(best, seconds);
            }
        }

        return 2.0 * Chains * iterations * threads / best;
    }

    private static float Chain256(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var k = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, k);
            a1 = Vector256.FusedMultiplyAdd(a1, m, k);
            a2 = Vector256.FusedMultiplyAdd(a2, m, k);
            a3 = Vector256.FusedMultiplyAdd(a3, m, k);
            a4 = Vector256.FusedMultiplyAdd(a4, m, k);
            a5 = Vector256.FusedMultiplyAdd(a5, m, k);
            a6 = Vector256.FusedMultiplyAdd(a6, m, k);
            a7 = Vector256.FusedMultiplyAdd(a7, m, k);
            a8 = Vector256.FusedMultiplyAdd(a8, m, k);
            a9 = Vector256.FusedMultiplyAdd(a9, m, k);
            a10 = Vector256.FusedMultiplyAdd(a10, m, k);
            a11 = Vector256.FusedMultiplyAdd(a11, m, k);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static float Chain512(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var k = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, k);
            a1 = Vector512.FusedMultiplyAdd(a1, m, k);
            a2 = Vector512.FusedMultiplyAdd(a2, m, k);
            a3 = Vector512.FusedMultiplyAdd(a3, m, k);
            a4 = Vector512.FusedMultiplyAdd(a4, m, k);
            a5 = Vector512.FusedMultiplyAdd(a5, m, k);
            a6 = Vector512.FusedMultiplyAdd(a6, m, k);
            a7 = Vector512.FusedMultiplyAdd(a7, m, k);
            a8 = Vector512.FusedMultiplyAdd(a8, m, k);
            a9 = Vector512.FusedMultiplyAdd(a9, m, k);
            a10 = Vector512.FusedMultiplyAdd(a10, m, k);
            a11 = Vector512.FusedMultiplyAdd(a11, m, k);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}

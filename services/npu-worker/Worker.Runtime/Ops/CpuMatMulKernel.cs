using System.Runtime.Intrinsics;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Runtime.Ops;

/// <summary>
/// Weight-stationary matmul: each chunk owns a band of output rows (weight rows) and walks every token through
/// it. BF16 weights take the layout of their path (<see cref="Bf16Layouts.For"/>). In 16-row panels (the AVX2 path)
/// every token count runs CpuMatMulKernel.Bf16Panels.cs. Row-major (the AVX-512 path), from <see cref="MinTokensForTiles"/>
/// tokens register tiles run straight over the BF16 rows against activations in pair order (CpuMatMulKernel.Bf16Pairs.cs:
/// <see cref="Bf16PairTilesAvx512"/> 4 rows x 4 tokens); with one or two (decode) the rows stream straight from
/// memory, four far-apart rows side by side when rows are long (else one sequential row at a time), through <see cref="Bf16DecodeAvx512Kernels"/> over one even chunk of
/// rows per thread, then small ones (<see cref="GuidedRowChunks.PlanDecode"/>). fp32 weights use the 4-token dot kernels.
/// Accumulation is fp32 throughout. Q8_0 weights go to <see cref="Q8MatMul"/> (int8 dot products, fp32 per block).
/// </summary>
public sealed unsafe partial class CpuMatMulKernel : IMatMulKernel, IParallelWork
{
    private const int RowsPerChunk = 16;

    /// <summary>
    /// From this many tokens the BF16 register tiles (4 rows x 4 tokens) run, whatever the batch: a token's result from
    /// the tiles does not depend on the tokens beside it, so a prompt of three or more tokens is computed bit for bit
    /// alike alone or batched with others (served embeddings equal offline ones value for value). The decode path two
    /// tokens a pass was faster up to eight tokens (0.5B decode step on the Zen 4: 3 sequences 31-41 against 49-52 ms,
    /// 5: 43 against 59-63, 8: 56-58 against 63-64) but sums a token's products in another order than the tiles, so a
    /// prompt's embedding then depended on what it was batched with; it is not used from three tokens.
    /// </summary>
    private const int MinTokensForTiles = 3;

    /// <summary>
    /// From this row length one or two decoding tokens read four rows of a chunk side by side, one from each quarter of
    /// it (<c>Row4x1</c>, <c>Row4x2</c>), instead of one row at a time: one stream per core leaves bandwidth unused, and four far-apart
    /// streams sharing each activation load use more of it (long rows also push the token's activations out of L1
    /// while one row streams past them). Measured on Zen 4 with two threads, median GB/s, one row at a time against
    /// four: [896, 4864] 17-18 against 27-28; [3584, 3584] 21 against 30; [3584, 18944] 18 against 29. For k = 896
    /// a single-matrix micro-benchmark had found one row at a time as fast, but the whole 0.5B decode step's
    /// matmuls, run in one process alternating the two step by step (400 steps), took a median 3-12% less time with
    /// four rows in 4 of 4 runs on the AVX-512 path (every k = 896 matrix faster, the k = 4864 one unchanged) and
    /// 2-3% less in 3 of 3 on the AVX2 path. Shorter rows were not measured.
    /// </summary>
    private const int MinColsForFourRowDecode = 896;

    /// <summary>Smallest decode chunk: a few dozen KiB of weights, so taking a chunk costs nothing next to streaming it.</summary>
    private const int MinDecodeRows = 16;

    private readonly ComputeThreadPool _pool;
    private readonly Q8MatMul _q8;
    private readonly GuidedRowChunks _decodeChunks = new();
    private AlignedBuffer<float> _pairOrdered = AlignedBuffer<float>.Empty;
    private float* _xp;
    private float* _x;
    private float* _y;
    private int _tokens;
    private WeightMatrix? _weight;

    /// <summary>Kernels of the machine's path (<see cref="CpuIsaSelection.Selected"/>).</summary>
    public CpuMatMulKernel(ComputeThreadPool pool)
        : this(pool, CpuIsaSelection.Selected)
    {
    }

    /// <summary>Kernels of the given path (tests run each path the CPU supports).</summary>
    public CpuMatMulKernel(ComputeThreadPool pool, CpuIsa isa)
    {
        _pool = pool;
        _q8 = new Q8MatMul(pool, isa);
        Isa = isa;
    }

    public CpuIsa Isa { get; }

    public void MatMul(ReadOnlySpan<float> x, int tokens, WeightMatrix weight, Span<float> y)
    {
        if (x.Length < tokens * weight.Cols || y.Length < tokens * weight.Rows)
        {
            throw new ArgumentException($"MatMul buffers too small for {tokens} tokens x [{weight.Rows}, {weight.Cols}].");
        }

        if (tokens == 0)
        {
            return;
        }

        if (weight.IsQ8)
        {
            fixed (float* xp = x)
            fixed (float* yp = y)
            {
                _q8.MatMul(xp, tokens, weight, yp);
            }

            return;
        }

        if (weight.IsBf16 && weight.Bf16Layout == Bf16Layout.Panels)
        {
            fixed (float* xp = x)
            fixed (float* yp = y)
            {
                Bf16Panels(xp, tokens, weight, yp);
            }

            return;
        }

        if (weight.IsBf16 && Isa != CpuIsa.Avx512)
        {
            throw new ArgumentException(
                $"BF16 weights held row by row run on the avx512 kernels; the {CpuIsaSelection.Name(Isa)} kernels read {nameof(Bf16Layout.Panels)} (load them with {nameof(Bf16Layouts)}.{nameof(Bf16Layouts.For)}).",
                nameof(weight));
        }

        if (weight.IsBf16 && tokens < MinTokensForTiles)
        {
            fixed (float* xp = x)
            fixed (float* yp = y)
            {
                Decode(xp, tokens, weight, yp);
            }

            return;
        }

        if (weight.IsBf16)
        {
            fixed (float* xp = x)
            fixed (float* yp = y)
            {
                Bf16Pairs(xp, tokens, weight, yp);
            }

            return;
        }

        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            _x = xp;
            _y = yp;
            _tokens = tokens;
            _weight = weight;
            _pool.Run(this, (weight.Rows + RowsPerChunk - 1) / RowsPerChunk);
            _weight = null;
        }
    }

    /// <summary>One or two tokens: the activations in pair order, then chunks of rows (<see cref="GuidedRowChunks.PlanDecode"/>) streamed by the decode kernels.</summary>
    private void Decode(float* x, int tokens, WeightMatrix weight, float* y)
    {
        RunOverPairOrder(x, tokens, weight, y, _decodeChunks.PlanDecode(weight.Rows, _pool.WorkerCount, MinDecodeRows));
    }

    /// <summary>The activations in pair order, then <paramref name="chunks"/> chunks of <see cref="Execute"/> over the weight.</summary>
    private void RunOverPairOrder(float* x, int tokens, WeightMatrix weight, float* y, int chunks)
    {
        _xp = PairOrdered(x, tokens, weight.Cols);
        _y = y;
        _tokens = tokens;
        _weight = weight;
        try
        {
            _pool.Run(this, chunks);
        }
        finally
        {
            _weight = null;
        }
    }

    /// <summary>The tokens' activations (k values each) in pair order (<see cref="Bf16PairOrder"/>), in the reused buffer.</summary>
    private float* PairOrdered(float* x, int tokens, int k)
    {
        if (_pairOrdered.Length < tokens * k)
        {
            _pairOrdered = new AlignedBuffer<float>(tokens * k);
        }

        float* xp = _pairOrdered.Pointer;
        for (int t = 0; t < tokens; t++)
        {
            Bf16PairOrderAvx512.Reorder(x + (long)t * k, k, xp + (long)t * k);
        }

        return xp;
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        var w = _weight!;
        if (_panelTiles)
        {
            ExecuteBf16Panels(w, chunkIndex);
            return;
        }

        if (_pairTiles)
        {
            ExecuteBf16Pairs(w, chunkIndex);
            return;
        }

        if (w.IsBf16 && _tokens < MinTokensForTiles)
        {
            ExecuteBf16Decode(w, _decodeChunks.Start(chunkIndex), _decodeChunks.End(chunkIndex));
            return;
        }

        int first = chunkIndex * RowsPerChunk;
        int last = Math.Min(first + RowsPerChunk, w.Rows);
        ExecuteF32(w, first, last);
    }

    private void ExecuteBf16Decode(WeightMatrix w, int first, int last)
    {
        int k = w.Cols;
        int n = w.Rows;
        if (k >= MinColsForFourRowDecode)
        {
            int quarter = (last - first) / 4;
            for (int row = first; row < first + quarter; row++)
            {
                ushort* wr = w.Bf16 + (long)row * k;
                for (int t = 0; t < _tokens; t += 2)
                {
                    float* y = _y + (long)t * n + row;
                    if (t + 1 < _tokens)
                    {
                        Bf16DecodeAvx512Kernels.Row4x2(wr, (long)quarter * k, k, _xp + (long)t * k, _xp + (long)(t + 1) * k, y, quarter, n);
                    }
                    else
                    {
                        Bf16DecodeAvx512Kernels.Row4x1(wr, (long)quarter * k, k, _xp + (long)t * k, y, quarter);
                    }
                }
            }

            first += 4 * quarter;
        }

        for (int row = first; row < last; row++)
        {
            ushort* wr = w.Bf16 + (long)row * k;
            for (int t = 0; t < _tokens; t += 2)
            {
                if (t + 1 < _tokens)
                {
                    Bf16DecodeAvx512Kernels.Row1x2(wr, k, _xp + (long)t * k, _xp + (long)(t + 1) * k, _y + (long)t * n + row, n);
                }
                else
                {
                    _y[(long)t * n + row] = Bf16DecodeAvx512Kernels.Row1x1(wr, k, _xp + (long)t * k);
                }
            }
        }
    }

    private void ExecuteF32(WeightMatrix w, int first, int last)
    {
        int k = w.Cols;
        for (int row = first; row < last; row++)
        {
            int t = 0;
            for (; t + 4 <= _tokens; t += 4)
            {
                Dot4(w, row, _x + t * k, k, _y + t * w.Rows + row, w.Rows);
            }

            for (; t < _tokens; t++)
            {
                _y[t * w.Rows + row] = Dot1(w, row, _x + t * k, k);
            }
        }
    }

    private static void Dot4(WeightMatrix w, int row, float* x0, int k, float* y, int yStride)
    {
        float* x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        float* wr = w.F32 + (long)row * k;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i + 8 <= k; i += 8)
        {
            var wv = Vector256.Load(wr + i);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x0 + i), wv, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x1 + i), wv, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(x2 + i), wv, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Load(x3 + i), wv, a3);
        }

        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (; i < k; i++)
        {
            float wi = wr[i];
            s0 += x0[i] * wi;
            s1 += x1[i] * wi;
            s2 += x2[i] * wi;
            s3 += x3[i] * wi;
        }

        y[0] = s0;
        y[yStride] = s1;
        y[2 * yStride] = s2;
        y[3 * yStride] = s3;
    }

    private static float Dot1(WeightMatrix w, int row, float* x, int k)
    {
        float* wr = w.F32 + (long)row * k;
        Vector256<float> a0 = default, a1 = default;
        int i = 0;
        for (; i + 16 <= k; i += 16)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(wr + i), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 8), Vector256.Load(wr + i + 8), a1);
        }

        float sum = Vector256.Sum(a0 + a1);
        for (; i < k; i++)
        {
            sum += x[i] * wr[i];
        }

        return sum;
    }
}

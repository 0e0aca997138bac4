namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// y[t, n] = sum_k x[t, k] * W[n, k] for Q8_0 weights, the activations quantized to Q8_0 blocks first (tokens in
/// parallel). Three shapes of work:
/// - From half a group of vector lanes of tokens (a group is 16 on AVX-512, 8 on AVX2; prefill, batched decode) the
///   tokens go across the lanes (Q8MatMul.TokenLanes.cs): each chunk walks bands of rows that fit in L2, which every
///   token group passes over (AVX-512: widened to int16 once per band, <see cref="Q8LaneTilesAvx512"/>; AVX2: the int8
///   rows read in place, two groups per pass, <see cref="Q8ByteLaneTilesAvx2"/>).
/// - Three tokens up to half a group: each chunk owns a band of rows and walks blocks of tokens small enough to stay in
///   L2 through it, four rows at a time (their scales combined with each token's into per-thread scratch), two tokens
///   at a time (<see cref="Q8Avx2TileKernels"/>: 4 x 2 register tiles; a last single token: 4 x 1).
/// - One or two tokens (decode): one even chunk of rows per thread, then small ones
///   (<see cref="GuidedRowChunks.PlanDecode"/>), streamed one row at a time (<see cref="Q8Avx2DecodeKernel"/>; on
///   AvxVnni with the weights made unsigned, which saves a load per block).
/// The row-major kernels run on 256-bit vectors on both paths: .NET 10 exposes no AVX512-VNNI, 512-bit int8 products
/// need two extra operations for the missing byte sign instruction, and Zen 4 splits 512-bit operations into two
/// halves; measured per core there, 512-bit versions ran at half the rate (decode) and 0.8-1.0x (4 x 2 tiles).
/// </summary>
internal sealed unsafe partial class Q8MatMul(ComputeThreadPool pool, CpuIsa isa) : IParallelWork
{
    /// <summary>
    /// Up to this many bytes per row, one decoding token reads four rows side by side, one from each quarter of its
    /// chunk (<see cref="Q8Avx2TileKernels.Rows4x1"/>, prefetching each), instead of one row at a time: each
    /// activation load then feeds four rows, and the four streams keep more reads in flight. The 0.5B decode step's
    /// matmuls, variants alternated step by step in one process (Zen 4, two threads, 900 steps): a median 3-11% less
    /// time than one row at a time in 6 of 6 runs, from the k = 896 matrices; on the k = 4864 one four rows were 0-20%
    /// slower, so longer rows stay one at a time (again no faster on Zen 5, 2 runs of 1000 steps).
    /// Four is the measured optimum, not a register limit (Zen 5, 1000 steps, 2-3 runs each): four neighbouring rows
    /// (one stream per thread) took 50% more time, eight rows from the chunk's eighths 10-15% more at prefetch
    /// distances of 512-1536 bytes.
    /// </summary>
    internal const int MaxRowBytesForFourRowDecode = 1024;

    private const int MinRowsPerChunk = 16;
    private const int MaxRowsPerChunk = 256;

    /// <summary>Up to this many tokens the caller quantizes them itself: a few microseconds, less than waking the pool.</summary>
    private const int InlineQuantizeTokens = 4;

    /// <summary>Weight bytes of a band when many tokens pass over it: about half a Zen 3/4 core's L2.</summary>
    private const int WeightBandBytes = 256 * 1024;

    /// <summary>Activation bytes of a token block, counted as three per value (q, |q| and the weights' share): about a quarter of L2.</summary>
    private const int TokenBlockBytes = 128 * 1024;

    private readonly Q8Activations _activations = new();
    private readonly GuidedRowChunks _decodeChunks = new();
    private readonly AlignedBuffer<float>[] _scales = [.. Enumerable.Repeat(AlignedBuffer<float>.Empty, pool.WorkerCount)];
    private Phase _phase;
    private float* _x;
    private float* _y;
    private int _tokens;
    private int _tokensPerBlock;
    private int _rowsPerChunk;
    private WeightMatrix? _weight;

    /// <summary>What the pool's chunks are doing in the current parallel run.</summary>
    private enum Phase
    {
        QuantizeTokens,
        QuantizeLanes,
        Decode,
        Tiles,
        LaneTiles,
    }

    public void MatMul(float* x, int tokens, WeightMatrix weight, float* y)
    {
        if (tokens >= MinTokensForLanes)
        {
            LaneMatMul(x, tokens, weight, y);
            return;
        }

        int kp = weight.Q8RowLength;
        _activations.Prepare(tokens, weight.Cols);
        _x = x;
        _y = y;
        _tokens = tokens;
        _tokensPerBlock = Math.Max(2, TokenBlockBytes / (3 * kp) / 2 * 2);
        EnsureScratch(kp / Q8Block.Size, Math.Min(tokens, _tokensPerBlock));

        // Decode streams 16-row bands; with many tokens a band grows towards what fits in L2, so the activations
        // are read once per band rather than once per 16 rows, while every thread still gets several bands.
        int rowsForL2 = WeightBandBytes / kp / 4 * 4;
        int rowsForBalance = (weight.Rows / (pool.WorkerCount * 4) + 3) / 4 * 4;
        _rowsPerChunk = tokens <= 2 ? MinRowsPerChunk : Math.Clamp(Math.Min(rowsForL2, rowsForBalance), MinRowsPerChunk, MaxRowsPerChunk);
        _weight = weight;
        try
        {
            if (tokens <= InlineQuantizeTokens)
            {
                for (int t = 0; t < tokens; t++)
                {
                    _activations.QuantizeToken(t, x + (long)t * weight.Cols, weight.Cols);
                }
            }
            else
            {
                _phase = Phase.QuantizeTokens;
                pool.Run(this, tokens);
            }

            _phase = tokens <= 2 ? Phase.Decode : Phase.Tiles;
            pool.Run(this, _phase == Phase.Decode ? _decodeChunks.PlanDecode(weight.Rows, pool.WorkerCount, MinRowsPerChunk)
                : (weight.Rows + _rowsPerChunk - 1) / _rowsPerChunk);
        }
        finally
        {
            _weight = null;
        }
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        var w = _weight!;
        switch (_phase)
        {
            case Phase.QuantizeTokens:
                _activations.QuantizeToken(chunkIndex, _x + (long)chunkIndex * w.Cols, w.Cols);
                return;
            case Phase.QuantizeLanes:
                _lanes.QuantizeGroup(chunkIndex, _x, w.Cols);
                return;
            case Phase.LaneTiles:
                ExecuteLaneTiles(w, chunkIndex, workerIndex);
                return;
        }

        if (_phase == Phase.Decode)
        {
            Decode(w, _decodeChunks.Start(chunkIndex), _decodeChunks.End(chunkIndex), _scales[workerIndex].Pointer);
            return;
        }

        int first = chunkIndex * _rowsPerChunk;
        int last = Math.Min(first + _rowsPerChunk, w.Rows);
        float* scales = _scales[workerIndex].Pointer;
        for (int t0 = 0; t0 < _tokens; t0 += _tokensPerBlock)
        {
            int t1 = Math.Min(t0 + _tokensPerBlock, _tokens);
            int row = first;
            for (; row + 4 <= last; row += 4)
            {
                Tiles4(w, row, t0, t1, scales);
            }

            for (; row < last; row++)
            {
                Row1(w, row, t0, t1, scales);
            }
        }
    }

    /// <summary>
    /// One or two tokens over rows [first, last), the row's scales combined with the token's into one float per block.
    /// One token on short rows: four rows side by side from the chunk's four quarters
    /// (<see cref="MaxRowBytesForFourRowDecode"/>); otherwise one row at a time, so the weights stream sequentially
    /// (as the BF16 decode kernels do for short rows).
    /// </summary>
    private void Decode(WeightMatrix w, int first, int last, float* scales)
    {
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        if (_tokens == 1 && kp <= MaxRowBytesForFourRowDecode)
        {
            int quarter = (last - first) / 4;
            int stride = (blocks + 7) / 8 * 8;
            var x = _activations.Token(0);
            float* dx = _activations.BlockScales(0);
            for (int row = first; row < first + quarter; row++)
            {
                for (int r = 0; r < 4; r++)
                {
                    Q8Block.CombineScales(w.Q8RowScales(row + r * quarter), dx, blocks, scales + r * stride);
                }

                Q8Avx2TileKernels.Rows4x1(w.Q8Row(row), (long)quarter * w.Q8RowStride, kp, scales, stride, x, _y + row, quarter);
            }

            first += 4 * quarter;
        }

        for (int row = first; row < last; row++)
        {
            sbyte* wr = w.Q8Row(row);
            ushort* rowScales = w.Q8RowScales(row);
            for (int t = 0; t < _tokens; t++)
            {
                _y[(long)t * w.Rows + row] = Q8Avx2DecodeKernel.Row(wr, rowScales, blocks, _activations, t, scales);
            }
        }
    }

    /// <summary>
    /// Rows [row, row + 4) x tokens [t0, t1) on the combined-scale tiles: the four rows' scales converted once, the
    /// products d_w * d_x for every (row, token) of the block (one float per block), then 4 x 2 tiles (a last single
    /// token: 4 x 1).
    /// </summary>
    private void Tiles4(WeightMatrix w, int row, int t0, int t1, float* scratch)
    {
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        int stride = (blocks + 7) / 8 * 8;
        int tokens = t1 - t0;
        int n = w.Rows;
        float* dw = scratch;
        float* ds = scratch + 4 * stride;
        for (int r = 0; r < 4; r++)
        {
            Q8Block.ToSingle(w.Q8RowScales(row + r), blocks, dw + r * stride);
            for (int t = 0; t < tokens; t++)
            {
                Q8Block.Multiply(dw + r * stride, _activations.BlockScales(t0 + t), stride, ds + (r * tokens + t) * stride);
            }
        }

        sbyte* wr = w.Q8Row(row);
        int rowStride = tokens * stride;
        for (int t = 0; t < tokens; t += 2)
        {
            float* yr = _y + (long)(t0 + t) * n + row;
            if (t + 2 <= tokens)
            {
                Q8Avx2TileKernels.Rows4x2(wr, w.Q8RowStride, kp, ds + t * stride, rowStride, stride, _activations.Token(t0 + t), _activations.Token(t0 + t + 1), yr, n);
            }
            else
            {
                Q8Avx2TileKernels.Rows4x1(wr, w.Q8RowStride, kp, ds + t * stride, rowStride, _activations.Token(t0 + t), yr, 1);
            }
        }
    }

    /// <summary>One row x tokens [t0, t1) (the rows left over below a multiple of four), through the decode kernel.</summary>
    private void Row1(WeightMatrix w, int row, int t0, int t1, float* scales)
    {
        int blocks = w.Q8RowLength / Q8Block.Size;
        sbyte* wr = w.Q8Row(row);
        for (int t = t0; t < t1; t++)
        {
            _y[(long)t * w.Rows + row] = Q8Avx2DecodeKernel.Row(wr, w.Q8RowScales(row), blocks, _activations, t, scales);
        }
    }

    /// <summary>
    /// Per-thread scale scratch (four rows' scales and their products with a token block's), grown to the largest seen;
    /// on cache lines of its own (<see cref="AlignedBuffer{T}"/>), as each row rewrites it.
    /// </summary>
    private void EnsureScratch(int blocks, int tokensPerBlock)
    {
        int stride = (blocks + 7) / 8 * 8;
        int needed = 4 * stride * (1 + tokensPerBlock);
        for (int i = 0; i < _scales.Length; i++)
        {
            if (_scales[i].Length < needed)
            {
                _scales[i] = new AlignedBuffer<float>(needed);
            }
        }
    }
}

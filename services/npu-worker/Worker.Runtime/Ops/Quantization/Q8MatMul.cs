namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// y[t, n] = sum_k x[t, k] * W[n, k] for Q8_0 weights: the activations are quantized to Q8_0 blocks first (tokens
/// in parallel), then each chunk owns a band of weight rows and walks blocks of tokens small enough to stay in L2
/// through it, four rows at a time (their scales expanded into per-thread scratch), two tokens at a time (4 x 2
/// register tiles; a last single token: 4 x 1), so the band stays in cache while the tokens pass over it. One or two
/// tokens (decode) take guided chunks of rows (<see cref="GuidedRowChunks"/>) and stream the rows one at a time.
/// </summary>
internal sealed unsafe class Q8MatMul(ComputeThreadPool pool, CpuIsa isa) : IParallelWork
{
    private const int MinRowsPerChunk = 16;
    private const int MaxRowsPerChunk = 256;

    /// <summary>Weight bytes of a band when many tokens pass over it: about half a Zen 3/4 core's L2.</summary>
    private const int WeightBandBytes = 256 * 1024;

    /// <summary>Quantized activation bytes (q, |q|, sign) of a token block: about a quarter of L2.</summary>
    private const int TokenBlockBytes = 128 * 1024;

    private readonly Q8Activations _activations = new();
    private readonly GuidedRowChunks _decodeChunks = new();
    private bool _decoding;
    private readonly float[][] _scales = new float[pool.WorkerCount][];
    private bool _quantizing;
    private float* _x;
    private float* _y;
    private int _tokens;
    private int _tokensPerBlock;
    private int _rowsPerChunk;
    private WeightMatrix? _weight;

    public CpuIsa Isa => isa;

    public void MatMul(float* x, int tokens, WeightMatrix weight, float* y)
    {
        int kp = weight.Q8RowLength;
        _activations.Prepare(tokens, weight.Cols);
        EnsureScratch(kp / Q8Block.Size);
        _x = x;
        _y = y;
        _tokens = tokens;
        _tokensPerBlock = Math.Max(2, TokenBlockBytes / (3 * kp) / 2 * 2);

        // Decode streams 16-row bands; with many tokens a band grows towards what fits in L2, so the activations
        // are read once per band rather than once per 16 rows, while every thread still gets several bands.
        int rowsForL2 = WeightBandBytes / kp / 4 * 4;
        int rowsForBalance = (weight.Rows / (pool.WorkerCount * 4) + 3) / 4 * 4;
        _rowsPerChunk = tokens <= 2 ? MinRowsPerChunk : Math.Clamp(Math.Min(rowsForL2, rowsForBalance), MinRowsPerChunk, MaxRowsPerChunk);
        _weight = weight;
        try
        {
            _quantizing = true;
            pool.Run(this, tokens);
            _quantizing = false;
            _decoding = tokens <= 2;
            pool.Run(this, _decoding ? _decodeChunks.Plan(weight.Rows, pool.WorkerCount, MinRowsPerChunk)
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
        if (_quantizing)
        {
            _activations.QuantizeToken(chunkIndex, _x + (long)chunkIndex * w.Cols, w.Cols);
            return;
        }

        if (_decoding)
        {
            fixed (float* scales = _scales[workerIndex])
            {
                Decode(w, _decodeChunks.Start(chunkIndex), _decodeChunks.End(chunkIndex), scales);
            }

            return;
        }

        int first = chunkIndex * _rowsPerChunk;
        int last = Math.Min(first + _rowsPerChunk, w.Rows);
        fixed (float* scales = _scales[workerIndex])
        {
            for (int t0 = 0; t0 < _tokens; t0 += _tokensPerBlock)
            {
                int t1 = Math.Min(t0 + _tokensPerBlock, _tokens);
                int row = first;
                for (; row + 4 <= last; row += 4)
                {
                    Rows4(w, row, t0, t1, scales);
                }

                for (; row < last; row++)
                {
                    Row1(w, row, t0, t1, scales);
                }
            }
        }
    }

    /// <summary>
    /// One or two tokens over rows [first, last), one row at a time so the weights stream sequentially (as the BF16
    /// decode kernels do), with the row's scales combined with the token's into one float per block. Both paths run
    /// the 256-bit <see cref="Q8Avx2DecodeKernel"/>: on Zen 4, which splits 512-bit operations into two 256-bit halves
    /// and has no 512-bit byte sign instruction, a 512-bit version measured half its rate per core.
    /// </summary>
    private void Decode(WeightMatrix w, int first, int last, float* scales)
    {
        int blocks = w.Q8RowLength / Q8Block.Size;
        for (int row = first; row < last; row++)
        {
            sbyte* wr = w.Q8 + (long)row * w.Q8RowLength;
            ushort* rowScales = w.Q8Scales + (long)row * blocks;
            for (int t = 0; t < _tokens; t++)
            {
                Q8Block.CombineScales(rowScales, _activations.BlockScales(t), blocks, scales);
                _y[(long)t * w.Rows + row] = Q8Avx2DecodeKernel.Row(wr, scales, blocks, _activations.Token(t));
            }
        }
    }

    /// <summary>Rows [row, row + 4) x tokens [t0, t1): scales expanded once, then 4 x 2 tiles and a 4 x 1 remainder.</summary>
    private void Rows4(WeightMatrix w, int row, int t0, int t1, float* scales)
    {
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        int scaleStride = blocks * 8;
        int n = w.Rows;
        for (int r = 0; r < 4; r++)
        {
            Q8Block.ExpandScales(w.Q8Scales + (long)(row + r) * blocks, blocks, scales + r * scaleStride);
        }

        sbyte* wr = w.Q8 + (long)row * kp;
        int t = t0;
        for (; t + 2 <= t1; t += 2)
        {
            var x0 = _activations.Token(t);
            var x1 = _activations.Token(t + 1);
            float* yr = _y + (long)t * n + row;
            if (isa == CpuIsa.Avx512)
            {
                Q8Avx512Kernels.Rows4x2(wr, kp, scales, scaleStride, x0, x1, yr, n);
            }
            else
            {
                Q8Avx2Kernels.Rows4x2(wr, kp, scales, scaleStride, x0, x1, yr, n);
            }
        }

        if (t < t1)
        {
            var token = _activations.Token(t);
            float* yr = _y + (long)t * n + row;
            if (isa == CpuIsa.Avx512)
            {
                Q8Avx512Kernels.Rows4x1(wr, kp, scales, scaleStride, token, yr);
            }
            else
            {
                Q8Avx2Kernels.Rows4x1(wr, kp, scales, scaleStride, token, yr, kp);
            }
        }
    }

    /// <summary>One row x tokens [t0, t1) (the rows left over below a multiple of four).</summary>
    private void Row1(WeightMatrix w, int row, int t0, int t1, float* scales)
    {
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        Q8Block.ExpandScales(w.Q8Scales + (long)row * blocks, blocks, scales);
        sbyte* wr = w.Q8 + (long)row * kp;
        for (int t = t0; t < t1; t++)
        {
            var token = _activations.Token(t);
            _y[(long)t * w.Rows + row] = isa == CpuIsa.Avx512
                ? Q8Avx512Kernels.Row1x1(wr, kp, scales, token)
                : Q8Avx2Kernels.Row1x1(wr, kp, scales, token);
        }
    }

    /// <summary>Per-thread expanded scales of four rows, grown to the widest matrix seen (pinned: used by pointer).</summary>
    private void EnsureScratch(int blocks)
    {
        int needed = 4 * blocks * 8;
        for (int i = 0; i < _scales.Length; i++)
        {
            if (_scales[i] is null || _scales[i].Length < needed)
            {
                _scales[i] = GC.AllocateUninitializedArray<float>(needed, pinned: true);
            }
        }
    }
}

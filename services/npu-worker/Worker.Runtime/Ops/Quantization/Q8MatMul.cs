namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// y[t, n] = sum_k x[t, k] * W[n, k] for Q8_0 weights: the activations are quantized to Q8_0 blocks first (tokens
/// in parallel), then each chunk owns a band of weight rows, expands their scales once into per-thread scratch and
/// walks the tokens, two at a time (4 x 2 register tiles; one token: 4 x 1), through four rows at a time, so the
/// band stays in cache while the tokens pass over it.
/// </summary>
internal sealed unsafe class Q8MatMul(ComputeThreadPool pool, CpuIsa isa) : IParallelWork
{
    private const int RowsPerChunk = 16;

    private readonly Q8Activations _activations = new();
    private readonly float[][] _scales = new float[pool.WorkerCount][];
    private bool _quantizing;
    private float* _x;
    private float* _y;
    private int _tokens;
    private WeightMatrix? _weight;

    public CpuIsa Isa => isa;

    public void MatMul(float* x, int tokens, WeightMatrix weight, float* y)
    {
        _activations.Prepare(tokens, weight.Cols);
        EnsureScratch(weight.Q8RowLength / Q8Block.Size);
        _x = x;
        _y = y;
        _tokens = tokens;
        _weight = weight;
        try
        {
            _quantizing = true;
            pool.Run(this, tokens);
            _quantizing = false;
            pool.Run(this, (weight.Rows + RowsPerChunk - 1) / RowsPerChunk);
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

        int first = chunkIndex * RowsPerChunk;
        int last = Math.Min(first + RowsPerChunk, w.Rows);
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        int scaleStride = blocks * 8;
        int n = w.Rows;
        fixed (float* scales = _scales[workerIndex])
        {
            for (int r = first; r < last; r++)
            {
                Q8Block.ExpandScales(w.Q8Scales + (long)r * blocks, blocks, scales + (r - first) * scaleStride);
            }

            int row = first;
            for (; row + 4 <= last; row += 4)
            {
                sbyte* wr = w.Q8 + (long)row * kp;
                float* sr = scales + (row - first) * scaleStride;
                int t = 0;
                for (; t + 2 <= _tokens; t += 2)
                {
                    var x0 = _activations.Token(t);
                    var x1 = _activations.Token(t + 1);
                    float* yr = _y + (long)t * n + row;
                    if (isa == CpuIsa.Avx512)
                    {
                        Q8Avx512Kernels.Rows4x2(wr, kp, sr, scaleStride, x0, x1, yr, n);
                    }
                    else
                    {
                        Q8Avx2Kernels.Rows4x2(wr, kp, sr, scaleStride, x0, x1, yr, n);
                    }
                }

                if (t < _tokens)
                {
                    var token = _activations.Token(t);
                    float* yr = _y + (long)t * n + row;
                    if (isa == CpuIsa.Avx512)
                    {
                        Q8Avx512Kernels.Rows4x1(wr, kp, sr, scaleStride, token, yr);
                    }
                    else
                    {
                        Q8Avx2Kernels.Rows4x1(wr, kp, sr, scaleStride, token, yr, kp);
                    }
                }
            }

            for (; row < last; row++)
            {
                sbyte* wr = w.Q8 + (long)row * kp;
                float* sr = scales + (row - first) * scaleStride;
                for (int t = 0; t < _tokens; t++)
                {
                    var token = _activations.Token(t);
                    _y[(long)t * n + row] = isa == CpuIsa.Avx512
                        ? Q8Avx512Kernels.Row1x1(wr, kp, sr, token)
                        : Q8Avx2Kernels.Row1x1(wr, kp, sr, token);
                }
            }
        }
    }

    /// <summary>Per-thread expanded scales of one chunk's rows, grown to the widest matrix seen (pinned: used by pointer).</summary>
    private void EnsureScratch(int blocks)
    {
        int needed = RowsPerChunk * blocks * 8;
        for (int i = 0; i < _scales.Length; i++)
        {
            if (_scales[i] is null || _scales[i].Length < needed)
            {
                _scales[i] = GC.AllocateUninitializedArray<float>(needed, pinned: true);
            }
        }
    }
}

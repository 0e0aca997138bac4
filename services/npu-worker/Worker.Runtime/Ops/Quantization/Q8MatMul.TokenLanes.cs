namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// The Q8_0 matmul for a full group of lanes of tokens or more (prefill, batched decode): the tokens quantized into
/// vector lanes (<see cref="Q8TokenLanes"/>, one group per chunk so no two threads write one cache line), then each
/// chunk owns a band of rows sized for L2, widens it to int16 once (<see cref="Q8WideBand"/>) and passes every token
/// group over it, one lane tile of rows at a time (<see cref="IQ8LaneTiles"/>). A last group with fewer tokens than
/// lanes computes its empty lanes too (zeros) and stores only the real ones.
/// </summary>
internal sealed unsafe partial class Q8MatMul
{
    private readonly Q8TokenLanes _lanes = new();
    private readonly Q8WideBand[] _bands = Enumerable.Range(0, pool.WorkerCount).Select(_ => new Q8WideBand()).ToArray();

    /// <summary>Tokens of a lane group on this path; from this many tokens the lane tiles run.</summary>
    private int Lanes => isa == CpuIsa.Avx512 ? Q8LaneTilesAvx512.Lanes : Q8LaneTilesAvx2.Lanes;

    private int TileRows => isa == CpuIsa.Avx512 ? Q8LaneTilesAvx512.Rows : Q8LaneTilesAvx2.Rows;

    private void LaneMatMul(float* x, int tokens, WeightMatrix weight, float* y)
    {
        int kp = weight.Q8RowLength;
        int tileRows = TileRows;
        _lanes.Prepare(tokens, weight.Cols, Lanes);
        _x = x;
        _y = y;
        _tokens = tokens;
        int rowsForL2 = WeightBandBytes / (sizeof(short) * kp) / tileRows * tileRows;
        int rowsForBalance = (weight.Rows / (pool.WorkerCount * 4) + tileRows - 1) / tileRows * tileRows;
        _rowsPerChunk = Math.Clamp(Math.Min(rowsForL2, rowsForBalance), tileRows, MaxRowsPerChunk);
        _weight = weight;
        try
        {
            _phase = Phase.QuantizeLanes;
            pool.Run(this, _lanes.Groups);
            _phase = Phase.LaneTiles;
            pool.Run(this, (weight.Rows + _rowsPerChunk - 1) / _rowsPerChunk);
        }
        finally
        {
            _weight = null;
        }
    }

    private void ExecuteLaneTiles(WeightMatrix w, int chunkIndex, int workerIndex)
    {
        if (isa == CpuIsa.Avx512)
        {
            LaneBand<Q8LaneTilesAvx512>(w, chunkIndex, _bands[workerIndex]);
        }
        else
        {
            LaneBand<Q8LaneTilesAvx2>(w, chunkIndex, _bands[workerIndex]);
        }
    }

    private void LaneBand<TTiles>(WeightMatrix w, int chunkIndex, Q8WideBand band)
        where TTiles : struct, IQ8LaneTiles
    {
        int first = chunkIndex * _rowsPerChunk;
        int rows = Math.Min(_rowsPerChunk, w.Rows - first);
        band.Load(w, first, rows, TTiles.Rows);
        int n = w.Rows;
        int lanes = TTiles.Lanes;
        int blocks = w.Q8RowLength / Q8Block.Size;
        var result = stackalloc float[TTiles.Rows * lanes];
        for (int g = 0; g < _lanes.Groups; g++)
        {
            int tokens = Math.Min(lanes, _tokens - g * lanes);
            float* y = _y + (long)g * lanes * n + first;
            for (int r = 0; r < rows; r += TTiles.Rows)
            {
                TTiles.Tile(band.Quants + (long)r * band.RowStride, band.RowStride, band.Scales + r * band.ScaleStride, band.ScaleStride,
                    blocks, _lanes.Pairs(g), _lanes.Scales(g), result);
                int tileRows = Math.Min(TTiles.Rows, rows - r);
                for (int i = 0; i < tileRows; i++)
                {
                    for (int l = 0; l < tokens; l++)
                    {
                        y[(long)l * n + r + i] = result[i * lanes + l];
                    }
                }
            }
        }
    }
}

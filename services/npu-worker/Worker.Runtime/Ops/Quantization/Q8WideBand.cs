namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One thread's copy of a band of Q8_0 weight rows for the lane tiles: for <see cref="Q8LaneTilesAvx512"/> the quants
/// widened to int16 (the madd operand; widened once per band, not once per token group) and the block scales as fp32,
/// packed tile by tile (<see cref="Load"/>); for <see cref="Q8ByteLaneTilesAvx2"/>, which reads the int8 rows in place,
/// the scales only, row by row (<see cref="LoadScales"/>), and a zero-padded copy of a last partial tile
/// (<see cref="PaddedRows"/>). Rows are padded with zeros up to a whole number of tiles. Buffers grow to the largest
/// band seen and are reused.
/// </summary>
internal sealed unsafe class Q8WideBand
{
    private AlignedBuffer<short> _quants = AlignedBuffer<short>.Empty;
    private AlignedBuffer<float> _scales = AlignedBuffer<float>.Empty;
    private AlignedBuffer<sbyte> _rows = AlignedBuffer<sbyte>.Empty;
    private AlignedBuffer<float> _rowScales = AlignedBuffer<float>.Empty;
    private int _blocks;

    /// <summary>
    /// After <see cref="LoadScales"/>: row r's block scales at Scales + r * <see cref="ScaleStride"/> (blocks rounded up
    /// to 8).
    /// </summary>
    public float* Scales => _scales.Pointer;

    public int ScaleStride { get; private set; }

    /// <summary>
    /// Loads rows [first, first + rows) of w for <see cref="Q8LaneTilesAvx512"/>, zero rows after them up to a whole
    /// tile, packed for it: tile by tile (8 rows), block by block, the tile's 8 rows of 32 int16 quants one after another
    /// (<see cref="TileQuants"/>), and their 8 scales (<see cref="TileScales"/>), so the tile reads one stream at offsets
    /// fixed when it is compiled. With one token group a band is one tile, loaded for a single pass, and its load was
    /// half the tile's time: a tile's rows of 896 in L1 took 290-320 ns to load (scales placed one by one) against
    /// about 670 for the tile; with the scales converted row by row and transposed eight blocks at a time, 215-265 ns.
    /// Prefetching 2, 4 or 8 bands ahead instead of one changed nothing (16 tokens, [9728, 896] and [896, 4864], from
    /// memory and from L3).
    /// </summary>
    public void Load(WeightMatrix w, int first, int rows)
    {
        const int tileRows = Q8LaneTilesAvx512.Rows;
        const int tileBlock = tileRows * Q8Block.Size;
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        int scaleStride = (blocks + 7) / 8 * 8;
        _blocks = blocks;
        int padded = (rows + tileRows - 1) / tileRows * tileRows;
        if (_quants.Length < padded * kp)
        {
            _quants = new AlignedBuffer<short>(padded * kp);
        }

        if (_scales.Length < padded * blocks)
        {
            _scales = new AlignedBuffer<float>(padded * blocks);
        }

        if (_rowScales.Length < tileRows * scaleStride)
        {
            _rowScales = new AlignedBuffer<float>(tileRows * scaleStride);
        }

        float* rowScales = _rowScales.Pointer;
        for (int t = 0; t < padded; t += tileRows)
        {
            short* quants = _quants.Pointer + (long)t * kp;
            for (int i = 0; i < tileRows; i++)
            {
                if (t + i < rows)
                {
                    Q8LaneTilesAvx512.WidenBlocks(w.Q8Row(first + t + i), quants + i * Q8Block.Size, blocks, tileBlock);
                    Q8Block.ToSingle(w.Q8RowScales(first + t + i), blocks, rowScales + i * scaleStride);
                    continue;
                }

                for (int b = 0; b < blocks; b++)
                {
                    new Span<short>(quants + (long)b * tileBlock + i * Q8Block.Size, Q8Block.Size).Clear();
                }

                new Span<float>(rowScales + i * scaleStride, scaleStride).Clear();
            }

            // The tile's scales block-major: eight blocks of the eight rows at a time, transposed in registers.
            float* scales = _scales.Pointer + (long)t * blocks;
            for (int b = 0; b < blocks; b += 8)
            {
                float* r = rowScales + b;
                Transpose8x8.Store(r, r + scaleStride, r + 2 * scaleStride, r + 3 * scaleStride, r + 4 * scaleStride, r + 5 * scaleStride,
                    r + 6 * scaleStride, r + 7 * scaleStride, scales + b * tileRows, tileRows, Math.Min(8, blocks - b));
            }
        }
    }

    /// <summary>After <see cref="Load"/>: the packed quants of the tile whose first row is row (a multiple of 8) of the band.</summary>
    public short* TileQuants(int row) => _quants.Pointer + (long)row * _blocks * Q8Block.Size;

    /// <summary>After <see cref="Load"/>: the packed block scales of the tile whose first row is row: block b, tile row i at [b * 8 + i].</summary>
    public float* TileScales(int row) => _scales.Pointer + (long)row * _blocks;

    /// <summary>Only the block scales of rows [first, first + rows) as floats, zero rows after them up to a whole tile.</summary>
    public void LoadScales(WeightMatrix w, int first, int rows, int rowMultiple)
    {
        int blocks = w.Q8RowLength / Q8Block.Size;
        ScaleStride = (blocks + 7) / 8 * 8;
        int padded = (rows + rowMultiple - 1) / rowMultiple * rowMultiple;
        if (_scales.Length < padded * ScaleStride)
        {
            _scales = new AlignedBuffer<float>(padded * ScaleStride);
        }

        for (int r = 0; r < rows; r++)
        {
            Q8Block.ToSingle(w.Q8RowScales(first + r), blocks, Scales + r * ScaleStride);
        }

        new Span<float>(Scales + rows * ScaleStride, (padded - rows) * ScaleStride).Clear();
    }

    /// <summary>Rows [first, first + rows) of w's int8 quants copied one after another (Q8RowLength apart), zero rows after them up to rowMultiple.</summary>
    public sbyte* PaddedRows(WeightMatrix w, int first, int rows, int rowMultiple)
    {
        int kp = w.Q8RowLength;
        if (_rows.Length < rowMultiple * kp)
        {
            _rows = new AlignedBuffer<sbyte>(rowMultiple * kp);
        }

        for (int r = 0; r < rowMultiple; r++)
        {
            var target = new Span<sbyte>(_rows.Pointer + (long)r * kp, kp);
            if (r < rows)
            {
                new ReadOnlySpan<sbyte>(w.Q8Row(first + r), kp).CopyTo(target);
            }
            else
            {
                target.Clear();
            }
        }

        return _rows.Pointer;
    }
}

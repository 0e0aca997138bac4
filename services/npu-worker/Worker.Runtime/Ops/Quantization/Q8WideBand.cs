namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One thread's copy of a band of Q8_0 weight rows for the lane tiles (<see cref="IQ8LaneTiles"/>): the quants
/// widened to int16 (the madd operand; widened once per band, not once per token group) and the block scales as fp32.
/// Rows are padded with zeros up to a whole number of tiles. Buffers grow to the largest band seen and are reused.
/// </summary>
internal sealed unsafe class Q8WideBand
{
    private AlignedBuffer<short> _quants = AlignedBuffer<short>.Empty;
    private AlignedBuffer<float> _scales = AlignedBuffer<float>.Empty;

    /// <summary>Row r's quants at Quants + r * <see cref="RowStride"/> (the weight's padded row length).</summary>
    public short* Quants => _quants.Pointer;

    public int RowStride { get; private set; }

    /// <summary>Row r's block scales at Scales + r * <see cref="ScaleStride"/> (blocks rounded up to 8).</summary>
    public float* Scales => _scales.Pointer;

    public int ScaleStride { get; private set; }

    /// <summary>Loads rows [first, first + rows) of w for TTiles, zero rows after them up to a whole tile.</summary>
    public void Load<TTiles>(WeightMatrix w, int first, int rows)
        where TTiles : struct, IQ8LaneTiles
    {
        int rowMultiple = TTiles.Rows;
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        RowStride = kp;
        ScaleStride = (blocks + 7) / 8 * 8;
        int padded = (rows + rowMultiple - 1) / rowMultiple * rowMultiple;
        if (_quants.Length < padded * kp)
        {
            _quants = new AlignedBuffer<short>(padded * kp);
        }

        if (_scales.Length < padded * ScaleStride)
        {
            _scales = new AlignedBuffer<float>(padded * ScaleStride);
        }

        for (int r = 0; r < rows; r++)
        {
            TTiles.Widen(w.Q8Row(first + r), Quants + (long)r * kp, kp);
            Q8Block.ToSingle(w.Q8RowScales(first + r), blocks, Scales + r * ScaleStride);
        }

        new Span<short>(Quants + (long)rows * kp, (padded - rows) * kp).Clear();
        new Span<float>(Scales + rows * ScaleStride, (padded - rows) * ScaleStride).Clear();
    }
}

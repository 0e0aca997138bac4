namespace Worker.Runtime.Ops;

/// <summary>Where one KV head's row of each cached position of a sequence lives, through its block table.</summary>
internal readonly unsafe struct SlotRows(IReadOnlyList<int> blockTable, int blockSize, int slotStride, int headOffset)
{
    /// <summary>rows[p] = the row of position first + p in the layer memory at basePointer, for p &lt; count.</summary>
    public void Resolve(float* basePointer, int first, int count, float** rows)
    {
        int block = first / blockSize;
        int offset = first % blockSize;
        float* blockRow = basePointer + ((long)blockTable[block] * blockSize * slotStride) + headOffset;
        for (int p = 0; p < count; p++)
        {
            rows[p] = blockRow + (long)offset * slotStride;
            if (++offset == blockSize && p + 1 < count)
            {
                offset = 0;
                blockRow = basePointer + ((long)blockTable[++block] * blockSize * slotStride) + headOffset;
            }
        }
    }
}

namespace Worker.Runtime.Ops;

/// <summary>Where one KV head's value row of each cached position of a sequence lives, through its block table (keys are stored transposed: <see cref="KvLayer.KeyColumns"/>).</summary>
internal readonly unsafe struct SlotRows(IReadOnlyList<int> blockTable, KvLayer kv, int kvHead)
{
    /// <summary>rows[p] = the row of position first + p in the layer memory at basePointer, for p &lt; count.</summary>
    public void Resolve(float* basePointer, int first, int count, float** rows)
    {
        int blockSize = kv.BlockSize;
        int d = kv.HeadDim;
        int block = first / blockSize;
        int offset = first % blockSize;
        float* blockRows = HeadRows(basePointer, blockTable[block]);
        for (int p = 0; p < count; p++)
        {
            rows[p] = blockRows + (long)offset * d;
            if (++offset == blockSize && p + 1 < count)
            {
                offset = 0;
                blockRows = HeadRows(basePointer, blockTable[++block]);
            }
        }
    }

    /// <summary>The first of this head's blockSize contiguous rows in a block.</summary>
    private float* HeadRows(float* basePointer, int block) =>
        basePointer + (long)block * kv.BlockStride + (long)kvHead * kv.BlockSize * kv.HeadDim;
}

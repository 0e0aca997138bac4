namespace Worker.Runtime.Ops;

/// <summary>Where one KV head's value row of each cached position of a sequence lives, through its block table (keys are stored transposed: <see cref="KvLayer.KeyColumns"/>).</summary>
internal readonly unsafe struct SlotRows(IReadOnlyList<int> blockTable, KvLayer kv, int kvHead)
{
    /// <summary>rows[p] = the row of position first + p in the layer memory at basePointer, for p &lt; count.</summary>
    public void Resolve(byte* basePointer, int first, int count, byte** rows)
    {
        int blockSize = kv.BlockSize;
        long rowBytes = (long)kv.HeadDim * kv.ElementBytes;
        int block = first / blockSize;
        int offset = first % blockSize;
        byte* blockRows = HeadRows(basePointer, blockTable[block]);
        for (int p = 0; p < count; p++)
        {
            rows[p] = blockRows + offset * rowBytes;
            if (++offset == blockSize && p + 1 < count)
            {
                offset = 0;
                blockRows = HeadRows(basePointer, blockTable[++block]);
            }
        }
    }

    /// <summary>The first of this head's blockSize contiguous rows in a block.</summary>
    private byte* HeadRows(byte* basePointer, int block) =>
        basePointer + ((long)block * kv.BlockStride + (long)kvHead * kv.BlockSize * kv.HeadDim) * kv.ElementBytes;
}

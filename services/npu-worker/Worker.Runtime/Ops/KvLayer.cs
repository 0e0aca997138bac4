using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Worker.Runtime.Ops;

/// <summary>
/// One layer's paged KV memory: K and V each [numBlocks, blockSize, numKvHeads, headDim] fp32, so a slot's
/// heads are contiguous (one write per token) and a block holds blockSize consecutive positions.
/// Memory is pinned and uninitialised: only slots written by a step are ever read.
/// </summary>
public sealed unsafe class KvLayer
{
    private readonly float[] _keys;
    private readonly float[] _values;

    public KvLayer(int numBlocks, int blockSize, int numKvHeads, int headDim)
    {
        NumBlocks = numBlocks;
        BlockSize = blockSize;
        NumKvHeads = numKvHeads;
        HeadDim = headDim;
        int length = checked(numBlocks * blockSize * numKvHeads * headDim);
        _keys = GC.AllocateUninitializedArray<float>(length, pinned: true);
        _values = GC.AllocateUninitializedArray<float>(length, pinned: true);
    }

    public int NumBlocks { get; }
    public int BlockSize { get; }
    public int NumKvHeads { get; }
    public int HeadDim { get; }

    /// <summary>Floats per slot (all KV heads of one position).</summary>
    public int SlotStride => NumKvHeads * HeadDim;

    public float* Keys => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_keys));
    public float* Values => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_values));

    /// <summary>Stores one token's K and V (each [numKvHeads * headDim]) in its slot.</summary>
    public void Write(int slot, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        key.CopyTo(_keys.AsSpan(slot * SlotStride, SlotStride));
        value.CopyTo(_values.AsSpan(slot * SlotStride, SlotStride));
    }
}

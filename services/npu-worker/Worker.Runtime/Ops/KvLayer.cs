using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Worker.Runtime.Ops;

/// <summary>
/// One layer's paged KV memory: K and V each [numBlocks, numKvHeads, blockSize, headDim] fp32, a block holding
/// blockSize consecutive positions, each KV head's rows side by side in it. Attention reads one head's rows of a
/// sequence's blocks, so each block gives it blockSize * headDim contiguous floats (4 KiB on the 0.5B sizes: one page,
/// which the hardware prefetchers stream). With a slot's heads side by side instead, a head's rows were every other
/// 256 bytes over 8 KiB: reading them alone, block by block in a random order, ran at 8 GB/s on the 2-core Zen 5,
/// and a 4000-token decode attention took 0.41 ms a layer from memory.
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

    /// <summary>Floats per slot (all KV heads of one position): the length of <see cref="Write"/>'s key and value.</summary>
    public int SlotStride => NumKvHeads * HeadDim;

    /// <summary>Floats of one block (all its heads).</summary>
    public int BlockStride => NumKvHeads * BlockSize * HeadDim;

    public float* Keys => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_keys));
    public float* Values => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_values));

    /// <summary>Stores one position's K and V (each numKvHeads x headDim, heads in order) in slot.</summary>
    public void Write(int slot, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        int d = HeadDim;
        long first = (long)(slot / BlockSize) * BlockStride + (slot % BlockSize) * d;
        for (int h = 0; h < NumKvHeads; h++)
        {
            long row = first + (long)h * BlockSize * d;
            key.Slice(h * d, d).CopyTo(_keys.AsSpan((int)row, d));
            value.Slice(h * d, d).CopyTo(_values.AsSpan((int)row, d));
        }
    }
}

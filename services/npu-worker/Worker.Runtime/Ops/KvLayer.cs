using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// One layer's paged KV memory, a block holding blockSize consecutive positions, each KV head's part of it contiguous:
/// - V is [numBlocks, numKvHeads, blockSize, headDim] fp32: the value rows of a head's positions one after another.
/// - K is [numBlocks, numKvHeads, headDim, <see cref="KeyPitch"/>] fp32, transposed within the block: element i of every
///   position's key side by side, so one vector load holds element i of 16 (or 8) keys and attention scores a block's
///   keys against a query head with one FMA per element, no horizontal sums (<see cref="AttentionScores"/>). The pitch
///   pads blockSize to whole 512-bit vectors; the padding lanes are never written and their scores never read.
/// Each head's part of a block is contiguous (4 KiB of K and 4 KiB of V on the 0.5B sizes). With a slot's heads side by
/// side instead, a head's rows were every other 256 bytes over 8 KiB, and a 4000-token decode attention took 0.41 ms a
/// layer from memory (0.30 since). Pieces this short still read slowly from memory: summing each (token, head)'s K and
/// V blocks of 16 sequences at context 150 read 6-8 GB/s on the 2-core Zen 5 (two threads; 11 GB/s with their blocks
/// adjacent and in 2 MiB pages) while a long stream read 40-50. So decode attention over many or long sequences waits
/// on memory: the transposed keys made it 20-28% faster with the KV in cache (one layer repeated: 16 sequences at
/// context 150, 104 to 74-85 us; one at 4000, 155 to 108-130 us), 10% faster at one sequence of context 150 in the
/// decode step (0.40 to 0.36 ms for 24 layers), and no faster for 16 sequences with every layer's KV from memory.
/// Memory is uninitialised (in 2 MiB pages: <see cref="Kv.PagedKvCache"/>): only slots written by a step are ever read.
/// </summary>
public sealed unsafe class KvLayer
{
    /// <summary>What holds <see cref="Keys"/> and <see cref="Values"/> (the cache's memory), kept alive with the layer.</summary>
    private readonly object _owner;

    /// <summary>A layer with memory of its own (in 2 MiB pages, like a <see cref="Kv.PagedKvCache"/>'s).</summary>
    public KvLayer(int numBlocks, int blockSize, int numKvHeads, int headDim)
        : this(numBlocks, blockSize, numKvHeads, headDim, null, null)
    {
    }

    /// <summary>
    /// A layer over <see cref="Bytes"/> bytes at memory (64-byte aligned) that owner keeps alive; with null, memory of
    /// its own.
    /// </summary>
    internal KvLayer(int numBlocks, int blockSize, int numKvHeads, int headDim, byte* memory, object? owner)
    {
        NumBlocks = numBlocks;
        BlockSize = blockSize;
        NumKvHeads = numKvHeads;
        HeadDim = headDim;
        KeyPitch = Pitch(blockSize);
        if (memory == null)
        {
            memory = HugePageSlab.TakeOwn(Bytes(numBlocks, blockSize, numKvHeads, headDim), out var own);
            owner = own;
        }

        Keys = (float*)memory;
        Values = Keys + KeyFloats(numBlocks, blockSize, numKvHeads, headDim);
        _owner = owner!;
    }

    public int NumBlocks { get; }
    public int BlockSize { get; }
    public int NumKvHeads { get; }
    public int HeadDim { get; }

    /// <summary>Floats per slot (all KV heads of one position): the length of <see cref="Write"/>'s key and value.</summary>
    public int SlotStride => NumKvHeads * HeadDim;

    /// <summary>Floats of one block of values (all its heads).</summary>
    public int BlockStride => NumKvHeads * BlockSize * HeadDim;

    /// <summary>Floats between one key element's lanes and the next's in a block: blockSize rounded up to whole vectors.</summary>
    public int KeyPitch { get; }

    public float* Keys { get; }
    public float* Values { get; }

    /// <summary>Bytes of one layer's keys and values, rounded up to whole 64-byte lines so that layers laid one after another each start on one.</summary>
    public static long Bytes(int numBlocks, int blockSize, int numKvHeads, int headDim) =>
        ((KeyFloats(numBlocks, blockSize, numKvHeads, headDim) + (long)numBlocks * blockSize * numKvHeads * headDim) * sizeof(float) + 63) / 64 * 64;

    private static int Pitch(int blockSize) => (blockSize + AttentionScores.Lanes - 1) / AttentionScores.Lanes * AttentionScores.Lanes;

    private static long KeyFloats(int numBlocks, int blockSize, int numKvHeads, int headDim) => (long)numBlocks * numKvHeads * headDim * Pitch(blockSize);

    /// <summary>A head's keys in a block: headDim rows of <see cref="KeyPitch"/> floats, lane p holding the block's position p.</summary>
    public float* KeyColumns(int block, int kvHead) => Keys + ((long)block * NumKvHeads + kvHead) * HeadDim * KeyPitch;

    /// <summary>Stores one position's K and V (each numKvHeads x headDim, heads in order) in slot.</summary>
    public void Write(int slot, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        int d = HeadDim;
        for (int h = 0; h < NumKvHeads; h++)
        {
            value.Slice(h * d, d).CopyTo(ValueRow(slot, h));
            StoreKey(slot, h, key.Slice(h * d, d));
        }
    }

    /// <summary>Where the value of KV head kvHead at slot lives (headDim floats), for writing it in place.</summary>
    public Span<float> ValueRow(int slot, int kvHead) => new(ValueAt(slot, kvHead), HeadDim);

    /// <summary>
    /// Starts reading into the cache the lines that slot's keys and values will be stored to: a key is one line per
    /// element and head (keys are transposed), so storing it into lines still in memory waits on them one after another.
    /// </summary>
    public void PrefetchSlot(int slot)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        for (int h = 0; h < NumKvHeads; h++)
        {
            float* columns = KeyColumns(slot / BlockSize, h) + slot % BlockSize;
            for (int i = 0; i < HeadDim; i++)
            {
                Sse.Prefetch0(columns + (long)i * KeyPitch);
            }

            // A row need not start on a line: its first float of each line's worth, and its last.
            float* value = ValueAt(slot, h);
            for (int i = 0; i < HeadDim; i += CacheLine.Bytes / sizeof(float))
            {
                Sse.Prefetch0(value + i);
            }

            Sse.Prefetch0(value + HeadDim - 1);
        }
    }

    private float* ValueAt(int slot, int kvHead) =>
        Values + (long)(slot / BlockSize) * BlockStride + ((long)kvHead * BlockSize + slot % BlockSize) * HeadDim;

    /// <summary>Stores the key of KV head kvHead at slot: element i into row i of the head's key columns, at the slot's lane.</summary>
    public void StoreKey(int slot, int kvHead, ReadOnlySpan<float> key)
    {
        float* columns = KeyColumns(slot / BlockSize, kvHead) + slot % BlockSize;
        for (int i = 0; i < HeadDim; i++)
        {
            columns[(long)i * KeyPitch] = key[i];
        }
    }
}

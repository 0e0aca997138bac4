using System.Runtime.Intrinsics.X86;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Kv;

namespace Worker.Runtime.Ops;

/// <summary>
/// One layer's paged KV memory, a block holding blockSize consecutive positions, each KV head's part of it contiguous:
/// - V is [numBlocks, numKvHeads, blockSize, headDim]: the value rows of a head's positions one after another.
/// - K is [numBlocks, numKvHeads, headDim, <see cref="KeyPitch"/>], transposed within the block: element i of every
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
/// Elements are fp32, or bfloat16 (<see cref="KvCacheDType"/>: rounded as they are stored, widened as attention reads
/// them through <see cref="IKvElements"/>); the layout is the same, in half the bytes.
/// Memory is uninitialised (in 2 MiB pages: <see cref="Kv.PagedKvCache"/>): only slots written by a step are ever read.
/// </summary>
public sealed unsafe class KvLayer
{
    /// <summary>What holds <see cref="Keys"/> and <see cref="Values"/> (the cache's memory), kept alive with the layer.</summary>
    private readonly object _owner;

    /// <summary>A layer with memory of its own (in 2 MiB pages, like a <see cref="Kv.PagedKvCache"/>'s).</summary>
    public KvLayer(int numBlocks, int blockSize, int numKvHeads, int headDim, KvCacheDType dtype = KvCacheDType.Float32)
        : this(numBlocks, blockSize, numKvHeads, headDim, dtype, null, null)
    {
    }

    /// <summary>
    /// A layer over <see cref="Bytes"/> bytes at memory (64-byte aligned) that owner keeps alive; with null, memory of
    /// its own.
    /// </summary>
    internal KvLayer(int numBlocks, int blockSize, int numKvHeads, int headDim, KvCacheDType dtype, byte* memory, object? owner)
    {
        NumBlocks = numBlocks;
        BlockSize = blockSize;
        NumKvHeads = numKvHeads;
        HeadDim = headDim;
        DType = dtype;
        ElementBytes = ElementSize(dtype);
        KeyPitch = Pitch(blockSize);
        if (memory == null)
        {
            memory = HugePageSlab.TakeOwn(Bytes(numBlocks, blockSize, numKvHeads, headDim, dtype), out var own);
            owner = own;
        }

        Keys = memory;
        Values = Keys + KeyElements(numBlocks, blockSize, numKvHeads, headDim) * ElementBytes;
        _owner = owner!;
    }

    public int NumBlocks { get; }
    public int BlockSize { get; }
    public int NumKvHeads { get; }
    public int HeadDim { get; }

    /// <summary>The element type of keys and values.</summary>
    public KvCacheDType DType { get; }

    /// <summary>Bytes of one element: 4 (fp32) or 2 (bfloat16).</summary>
    public int ElementBytes { get; }

    /// <summary>Elements per slot (all KV heads of one position): the length of <see cref="Write"/>'s key and value.</summary>
    public int SlotStride => NumKvHeads * HeadDim;

    /// <summary>Elements of one block of values (all its heads).</summary>
    public int BlockStride => NumKvHeads * BlockSize * HeadDim;

    /// <summary>Elements between one key element's lanes and the next's in a block: blockSize rounded up to whole vectors.</summary>
    public int KeyPitch { get; }

    /// <summary>The keys of every block (<see cref="KeyColumns"/>).</summary>
    public byte* Keys { get; }

    /// <summary>The values of every block, <see cref="BlockStride"/> elements a block.</summary>
    public byte* Values { get; }

    /// <summary>Bytes of the keys (padding lanes included) and of the values, one after the other from <see cref="Keys"/>.</summary>
    public long KeyBytes => KeyElements(NumBlocks, BlockSize, NumKvHeads, HeadDim) * ElementBytes;

    public long ValueBytes => (long)NumBlocks * BlockStride * ElementBytes;

    public static int ElementSize(KvCacheDType dtype) => dtype == KvCacheDType.BFloat16 ? sizeof(ushort) : sizeof(float);

    /// <summary>Bytes of one layer's keys and values, rounded up to whole 64-byte lines so that layers laid one after another each start on one.</summary>
    public static long Bytes(int numBlocks, int blockSize, int numKvHeads, int headDim, KvCacheDType dtype) =>
        ((KeyElements(numBlocks, blockSize, numKvHeads, headDim) + (long)numBlocks * blockSize * numKvHeads * headDim) * ElementSize(dtype) + 63) / 64 * 64;

    private static int Pitch(int blockSize) => (blockSize + AttentionScores.Lanes - 1) / AttentionScores.Lanes * AttentionScores.Lanes;

    private static long KeyElements(int numBlocks, int blockSize, int numKvHeads, int headDim) => (long)numBlocks * numKvHeads * headDim * Pitch(blockSize);

    /// <summary>A head's keys in a block: headDim rows of <see cref="KeyPitch"/> elements, lane p holding the block's position p.</summary>
    public byte* KeyColumns(int block, int kvHead) => Keys + ((long)block * NumKvHeads + kvHead) * HeadDim * KeyPitch * ElementBytes;

    /// <summary>Stores one position's K and V (each numKvHeads x headDim, heads in order) in slot.</summary>
    public void Write(int slot, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        int d = HeadDim;
        for (int h = 0; h < NumKvHeads; h++)
        {
            StoreValue(slot, h, value.Slice(h * d, d));
            StoreKey(slot, h, key.Slice(h * d, d));
        }
    }

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

        long pitchBytes = (long)KeyPitch * ElementBytes;
        int rowBytes = HeadDim * ElementBytes;
        for (int h = 0; h < NumKvHeads; h++)
        {
            byte* columns = KeyColumns(slot / BlockSize, h) + slot % BlockSize * ElementBytes;
            for (int i = 0; i < HeadDim; i++)
            {
                Sse.Prefetch0(columns + i * pitchBytes);
            }

            // A row need not start on a line: its first byte of each line's worth, and its last.
            byte* value = ValueAt(slot, h);
            for (int i = 0; i < rowBytes; i += CacheLine.Bytes)
            {
                Sse.Prefetch0(value + i);
            }

            Sse.Prefetch0(value + rowBytes - 1);
        }
    }

    private byte* ValueAt(int slot, int kvHead) =>
        Values + ((long)(slot / BlockSize) * BlockStride + ((long)kvHead * BlockSize + slot % BlockSize) * HeadDim) * ElementBytes;

    /// <summary>Stores the value of KV head kvHead at slot (headDim elements, rounded to bfloat16 in a bfloat16 cache).</summary>
    public void StoreValue(int slot, int kvHead, ReadOnlySpan<float> value)
    {
        byte* row = ValueAt(slot, kvHead);
        if (DType == KvCacheDType.BFloat16)
        {
            var halves = new Span<ushort>(row, HeadDim);
            for (int i = 0; i < halves.Length; i++)
            {
                halves[i] = BFloat16.FromSingle(value[i]);
            }
        }
        else
        {
            value[..HeadDim].CopyTo(new Span<float>(row, HeadDim));
        }
    }

    /// <summary>Stores the key of KV head kvHead at slot: element i into row i of the head's key columns, at the slot's lane.</summary>
    public void StoreKey(int slot, int kvHead, ReadOnlySpan<float> key)
    {
        byte* columns = KeyColumns(slot / BlockSize, kvHead);
        int lane = slot % BlockSize;
        if (DType == KvCacheDType.BFloat16)
        {
            ushort* halves = (ushort*)columns + lane;
            for (int i = 0; i < HeadDim; i++)
            {
                halves[(long)i * KeyPitch] = BFloat16.FromSingle(key[i]);
            }
        }
        else
        {
            float* floats = (float*)columns + lane;
            for (int i = 0; i < HeadDim; i++)
            {
                floats[(long)i * KeyPitch] = key[i];
            }
        }
    }

    /// <summary>The value of KV head kvHead at slot as stored, widened to fp32.</summary>
    public void ReadValue(int slot, int kvHead, Span<float> value)
    {
        byte* row = ValueAt(slot, kvHead);
        for (int i = 0; i < HeadDim; i++)
        {
            value[i] = Element(row, i);
        }
    }

    /// <summary>The key of KV head kvHead at slot as stored, widened to fp32.</summary>
    public void ReadKey(int slot, int kvHead, Span<float> key)
    {
        byte* columns = KeyColumns(slot / BlockSize, kvHead);
        for (int i = 0; i < HeadDim; i++)
        {
            key[i] = Element(columns, (long)i * KeyPitch + slot % BlockSize);
        }
    }

    private float Element(byte* row, long index) =>
        DType == KvCacheDType.BFloat16 ? BFloat16.ToSingle(((ushort*)row)[index]) : ((float*)row)[index];
}

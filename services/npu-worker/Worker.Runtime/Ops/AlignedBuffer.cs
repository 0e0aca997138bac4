using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Worker.Runtime.Ops;

/// <summary>
/// A pinned array used from its first 64-byte boundary on, so rows of whole cache lines start on one: a vector load
/// that straddles two lines costs two loads, and with 64-byte vectors and an array start 16 bytes past a line every
/// load of a kernel would. Its elements also end on a line of their own (the length is rounded up to whole lines), so
/// no other object shares a cache line with them: a thread's scratch written row after row never takes a line away
/// from the other core reading what lies next to it (false sharing). Q8_0's per-thread scale scratch, once allocated
/// right after the token's block sums that both threads read, made the one-token 4864-wide matmul take 78 us in
/// cache instead of 44, and 35% longer from memory.
/// Pinned, so the pointer is stable and the GC frees it like any array.
/// Weights ask for 2 MiB pages (<see cref="HugePageSlab"/>): decode reads every weight once a token, and
/// through 4 KiB pages a stream stalls on a page walk every 4 KiB (the hardware prefetchers stop at page boundaries).
/// Matmul-only Q8_0 decode steps of the 0.5B sizes, the two page sizes alternated step by step in one process (Zen 5,
/// 2 threads, 300 steps each, three runs): a median 1.2-2.9% less time, the 4864-wide down projection (one stream per
/// thread) 1.6-5%; that matrix alone, 24 layers, 400 steps: 52.0 against 42.4 GB/s. (Measured once before as no faster, and slower
/// for the down projection: in that harness the per-thread scale scratch shared a cache line with the token's block
/// sums, which bounded the kernel in cache.)
/// </summary>
internal sealed unsafe class AlignedBuffer<T>
    where T : unmanaged
{
    public const int Alignment = 64;

    /// <summary>What holds the elements (a pinned array of them, or a <see cref="HugePageSlab"/>), kept alive with the buffer.</summary>
    private readonly object _owner;

    /// <param name="length">Elements.</param>
    /// <param name="hugePages">
    /// Take the elements from a <see cref="HugePageSlab"/>, in 2 MiB pages: for weights, which decode streams once a token.
    /// </param>
    public AlignedBuffer(int length, bool hugePages = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int perLine = Alignment / sizeof(T);
        int wholeLines = checked((length + perLine - 1) / perLine * perLine);
        Length = length;
        if (hugePages && length > 0)
        {
            Pointer = (T*)HugePageSlab.Take((long)wholeLines * sizeof(T), out _owner);
            return;
        }

        var array = GC.AllocateUninitializedArray<T>(checked(wholeLines + perLine), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        Pointer = (T*)((address + Alignment - 1) / Alignment * Alignment);
        _owner = array;
    }

    public static AlignedBuffer<T> Empty { get; } = new(0);

    public int Length { get; }

    /// <summary>The first element, on a 64-byte boundary; stable (the memory is pinned).</summary>
    public T* Pointer { get; }

    public Span<T> Span => new(Pointer, Length);
}

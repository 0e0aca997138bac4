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
/// The pages are the GC's 4 KiB ones. Weights in 2 MiB pages (aligned native memory, madvise MADV_HUGEPAGE, checked
/// in AnonHugePages) made the Q8_0 decode step no faster (Zen 5: bench-model 3 pairs, matmul-only steps 5 pairs), and
/// its 4864-wide down projection, one stream per thread, 15-35% slower: the decode kernels read four streams per core
/// with software prefetch, which hides the page walks that slow a single stream down (see MemoryBandwidthProbe in
/// the tools).
/// </summary>
internal sealed unsafe class AlignedBuffer<T>
    where T : unmanaged
{
    public const int Alignment = 64;

    private readonly T[] _array;
    private readonly int _offset;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int perLine = Alignment / sizeof(T);
        int wholeLines = checked((length + perLine - 1) / perLine * perLine);
        _array = GC.AllocateUninitializedArray<T>(checked(wholeLines + perLine), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
        _offset = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(T);
        Length = length;
    }

    public static AlignedBuffer<T> Empty { get; } = new(0);

    public int Length { get; }

    public T* Pointer => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array)) + _offset;

    public Span<T> Span => _array.AsSpan(_offset, Length);
}

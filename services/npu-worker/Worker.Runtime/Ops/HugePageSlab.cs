using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Worker.Runtime.Ops;

/// <summary>
/// Weight buffers packed one after another into pinned slabs that start on a 2 MiB boundary and ask for 2 MiB pages
/// (<see cref="PageAdvice.AskForHugePages"/>), so that every matrix, however small, streams through huge pages. Each
/// buffer on its own would need a 2 MiB page of its own: a 1.1 MB qkv projection would either stay in 4 KiB pages or
/// hold a page half empty. A slab is untouched until its buffers are written, and only touched pages are resident, so
/// what a slab holds beyond its last buffer costs at most the rest of one 2 MiB page. A slab lives as long as any of its
/// buffers (each keeps it as its owner); buffers are never freed one by one, which suits weights loaded once.
/// </summary>
internal static unsafe class HugePageSlab
{
    /// <summary>Bytes of a slab; a larger buffer gets a slab of its own size.</summary>
    private const long SlabBytes = 64L << 20;

    private static readonly Lock Gate = new();
    /// <summary>The current slab, in 8-byte elements so one can exceed 2 GiB (a 72B model's BF16 LM head is 2.5 GB).</summary>
    private static long[]? _slab;
    private static byte* _next;
    private static byte* _end;

    /// <summary>
    /// A range of its own of at least <paramref name="bytes"/> in 2 MiB pages, starting on a 2 MiB boundary, for memory
    /// that is neither loaded once nor freed with the weights (a KV cache), and the array that owns it (keep it
    /// referenced while the range is used). Untouched pages stay unallocated.
    /// </summary>
    public static byte* TakeOwn(long bytes, out long[] owner)
    {
        long size = (bytes + PageAdvice.HugePageSize - 1) / PageAdvice.HugePageSize * PageAdvice.HugePageSize;
        owner = GC.AllocateUninitializedArray<long>(checked((int)((size + PageAdvice.HugePageSize) / sizeof(long))), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(owner));
        byte* start = (byte*)((address + PageAdvice.HugePageSize - 1) / PageAdvice.HugePageSize * PageAdvice.HugePageSize);
        PageAdvice.AskForHugePages(start, size);
        return start;
    }

    /// <summary>Room for bytes, on a 64-byte boundary, and the array that owns it (keep it referenced while the room is used).</summary>
    public static byte* Take(long bytes, out object owner)
    {
        long rounded = (bytes + AlignedBuffer<byte>.Alignment - 1) / AlignedBuffer<byte>.Alignment * AlignedBuffer<byte>.Alignment;
        lock (Gate)
        {
            if (_slab is null || _end - _next < rounded)
            {
                long size = Math.Max(SlabBytes, rounded);
                _next = TakeOwn(size, out var slab);
                _slab = slab;
                _end = _next + (size + PageAdvice.HugePageSize - 1) / PageAdvice.HugePageSize * PageAdvice.HugePageSize;
            }

            byte* room = _next;
            _next += rounded;
            owner = _slab;
            return room;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>The cache line: what one prefetch brings in, and what the kernels count prefetch spans in.</summary>
internal static class CacheLine
{
    /// <summary>Bytes of a cache line on every x86-64 CPU the kernels run on.</summary>
    public const int Bytes = 64;

    /// <summary>
    /// The lines <paramref name="bytesAhead"/> past four row positions, into L1: the four-row decode kernels read four
    /// far-apart streams, more than the hardware prefetcher runs far enough ahead of.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PrefetchFour(void* w0, void* w1, void* w2, void* w3, int bytesAhead)
    {
        Sse.Prefetch0((byte*)w0 + bytesAhead);
        Sse.Prefetch0((byte*)w1 + bytesAhead);
        Sse.Prefetch0((byte*)w2 + bytesAhead);
        Sse.Prefetch0((byte*)w3 + bytesAhead);
    }
}

namespace Worker.Runtime.Ops;

/// <summary>The cache line: what one prefetch brings in, and what the kernels count prefetch spans in.</summary>
internal static class CacheLine
{
    /// <summary>Bytes of a cache line on every x86-64 CPU the kernels run on.</summary>
    public const int Bytes = 64;
}

using System.Runtime.InteropServices;

namespace Worker.Runtime.Ops;

/// <summary>
/// Asks Linux to back a range with 2 MiB pages (transparent huge pages, madvise MADV_HUGEPAGE) before its first touch,
/// so the faults that fill it allocate huge pages where the kernel has them (THP "always" or "madvise"); under "never",
/// or on another OS, the range keeps 4 KiB pages and nothing else changes. Only whole 2 MiB pages inside the range are
/// advised.
/// </summary>
internal static unsafe partial class HugePages
{
    public const int Size = 2 << 20;

    private const int MadviseHugePage = 14;


    public static void Advise(void* start, long length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        long first = ((long)start + Size - 1) / Size * Size;
        long end = ((long)start + length) / Size * Size;
        if (end > first)
        {
            // Advice only: refused, the pages stay 4 KiB, which is still correct.
            _ = Madvise((nint)first, (nuint)(end - first), MadviseHugePage);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

using System.Runtime.InteropServices;

namespace Worker.Runtime.Ops;

/// <summary>
/// Advice to Linux about the pages of a range (madvise), only ever for the whole pages inside it; elsewhere, or when
/// refused, nothing changes, which is still correct.
/// - <see cref="ReleaseResident"/> drops pages of a read-only file mapping from the process's resident set once their
///   bytes have been copied out: the loader reads every tensor once into its own matrix, so without it the whole mapped
///   file would stay resident next to those copies until the checkpoint closes (twice the weights at the peak of a
///   load). The pages stay in the OS page cache; a later read of the range maps them in again.
/// - <see cref="AskForHugePages"/> asks for 2 MiB pages (transparent huge pages, MADV_HUGEPAGE) before a range's first
///   touch, so the faults that fill it allocate huge pages where the kernel has them (THP "always" or "madvise").
/// </summary>
internal static unsafe partial class PageAdvice
{
    public const int HugePageSize = 2 << 20;

    private const int MadviseDontNeed = 4;
    private const int MadviseHugePage = 14;

    public static void ReleaseResident(void* start, long length) => Advise(start, length, Environment.SystemPageSize, MadviseDontNeed);

    public static void AskForHugePages(void* start, long length) => Advise(start, length, HugePageSize, MadviseHugePage);

    private static void Advise(void* start, long length, long pageSize, int advice)
    {
        if (!OperatingSystem.IsLinux() || length <= 0)
        {
            return;
        }

        long first = ((long)start + pageSize - 1) / pageSize * pageSize;
        long end = ((long)start + length) / pageSize * pageSize;
        if (end > first)
        {
            _ = Madvise((nint)first, (nuint)(end - first), advice);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

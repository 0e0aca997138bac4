using System.Runtime.InteropServices;

namespace Worker.Runtime.Checkpoints;

/// <summary>
/// Drops pages of a read-only file mapping from the process's resident set once their bytes have been copied out:
/// the loader reads every tensor once into its own matrix, so without this the whole mapped file would stay resident
/// next to those copies until the checkpoint closes (twice the weights at the peak of a load). The pages stay in the
/// OS page cache; a later read of the range maps them in again. Linux only (madvise); elsewhere it does nothing.
/// </summary>
internal static unsafe partial class MappedPages
{
    private const int MadviseDontNeed = 4;

    public static void Release(byte* start, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0)
        {
            return;
        }

        long page = Environment.SystemPageSize;
        long first = ((long)start + page - 1) / page * page;
        long end = ((long)start + length) / page * page;
        if (end > first)
        {
            // Advice only: a failure leaves the pages resident, which is still correct.
            _ = Madvise((nint)first, (nuint)(end - first), MadviseDontNeed);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

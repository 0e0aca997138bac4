using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Inference.Cli.Benchmarks;

/// <summary>What the benchmark says about the machine: the CPU model (/proc/cpuinfo), its caches, and what .NET accelerates.</summary>
public static class CpuDescription
{
    public static string Model()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>The x86 flags that matter to the kernels, as /proc/cpuinfo lists them.</summary>
    public static string Flags()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
            string[] wanted = ["avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx_vnni"];
            var present = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            return string.Join(" ", wanted.Where(present.Contains));
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The largest cache of cpu0 (sysfs), or 32 MiB when sysfs does not say.</summary>
    public static long LastLevelCacheBytes()
    {
        const long Fallback = 32L << 20;
        try
        {
            return Directory.GetDirectories("/sys/devices/system/cpu/cpu0/cache", "index*")
                .Select(d => Path.Combine(d, "size"))
                .Where(File.Exists)
                .Select(f => ParseSize(File.ReadAllText(f).Trim()))
                .DefaultIfEmpty(Fallback)
                .Max();
        }
        catch (IOException)
        {
            return Fallback;
        }
    }

    /// <summary>
    /// The vector widths .NET accelerates on this machine, which bound what our kernels can use. (The worker does not
    /// report which path its kernels took yet; when it does, that belongs here.)
    /// </summary>
    public static string RuntimeVectorPaths() => string.Join(", ", new[]
    {
        Vector512.IsHardwareAccelerated ? "Vector512" : null,
        Vector256.IsHardwareAccelerated ? "Vector256" : null,
        Avx2.IsSupported ? "AVX2" : null,
        Fma.IsSupported ? "FMA" : null,
        Avx512F.IsSupported ? "AVX-512F" : null,
        AvxVnni.IsSupported ? "AVX-VNNI" : null,
    }.Where(s => s is not null));

    private static long ParseSize(string text)
    {
        long multiplier = text.EndsWith('K') ? 1L << 10 : text.EndsWith('M') ? 1L << 20 : 1;
        return long.Parse(text.TrimEnd('K', 'M'), CultureInfo.InvariantCulture) * multiplier;
    }
}

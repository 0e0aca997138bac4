using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// Chooses the kernels' <see cref="CpuIsa"/> for this machine: AVX-512 where Vector512 is hardware accelerated,
/// AVX2 otherwise. The environment variable <c>INFERENCE_CPU_ISA</c> (<c>avx2</c> or <c>avx512</c>) overrides the
/// choice for benchmarking; asking for a path the CPU lacks fails with a message naming the variable.
/// </summary>
public static class CpuIsaSelection
{
    public const string EnvironmentVariable = "INFERENCE_CPU_ISA";

    private static readonly Lazy<CpuIsa> Chosen = new(() => Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable)));

    /// <summary>The path every kernel built without an explicit one runs (read by the load log and the bench).</summary>
    /// <exception cref="InvalidOperationException">INFERENCE_CPU_ISA is invalid or names a path this CPU lacks.</exception>
    public static CpuIsa Selected => Chosen.Value;

    /// <summary>The paths this CPU can run, fastest last (tests run each of them).</summary>
    public static IReadOnlyList<CpuIsa> Supported { get; } = Vector512.IsHardwareAccelerated && Avx512BW.IsSupported
        ? [CpuIsa.Avx2, CpuIsa.Avx512]
        : [CpuIsa.Avx2];

    /// <summary>The machine's best path, or the one <paramref name="requested"/> names ("avx2", "avx512"; null or empty: best).</summary>
    /// <exception cref="InvalidOperationException">The name is unknown or the CPU lacks that path.</exception>
    public static CpuIsa Resolve(string? requested)
    {
        if (!Avx2.IsSupported || !Fma.IsSupported)
        {
            throw new InvalidOperationException("The CPU kernels need AVX2 and FMA; this CPU lacks them.");
        }

        if (string.IsNullOrWhiteSpace(requested))
        {
            return Supported[^1];
        }

        CpuIsa isa = requested.Trim().ToLowerInvariant() switch
        {
            "avx2" => CpuIsa.Avx2,
            "avx512" => CpuIsa.Avx512,
            _ => throw new InvalidOperationException($"{EnvironmentVariable} must be 'avx2' or 'avx512', got '{requested}'."),
        };
        if (!Supported.Contains(isa))
        {
            throw new InvalidOperationException($"{EnvironmentVariable}={requested}, but this CPU has no AVX-512 (Vector512 is not accelerated).");
        }

        return isa;
    }

    /// <summary>"avx512" or "avx2", as logs and benchmark output print it.</summary>
    public static string Name(CpuIsa isa) => isa == CpuIsa.Avx512 ? "avx512" : "avx2";
}

namespace Worker.Runtime.Ops;

/// <summary>The instruction-set path the CPU kernels run: one code path each, chosen once at start-up.</summary>
public enum CpuIsa
{
    /// <summary>256-bit vectors (AVX2 + FMA): every x86-64 CPU this worker supports.</summary>
    Avx2,

    /// <summary>512-bit vectors (AVX-512 F/BW through Vector512), where the CPU has them.</summary>
    Avx512,
}

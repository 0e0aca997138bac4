using Worker.Runtime.Ops;
using Worker.Tests.Support;

namespace Worker.Tests.Ops;

/// <summary>
/// The BF16 matmul for three or more tokens (batched decode and prefill) on every instruction-set path this CPU runs,
/// against a double-precision reference: token counts that leave every remainder of the 4-token tile (3..70, and 128),
/// counts of several token blocks of the AVX-512 path (at least 128 tokens a block: 131 and 200 at k = 4864, 300 at
/// k = 896 in blocks of 144),
/// rows that leave every remainder of the 4-row tile, widths not a multiple of the 32-value pair-order block (scalar
/// tails), the real model's widths (896, 4864), and enough rows for several guided chunks and prefetched groups.
/// </summary>
public sealed class Bf16BatchedKernelTests
{
    private static readonly (int Rows, int Cols, int Tokens, int Threads)[] ShapeList =
    [
        (1, 1, 3, 1),
        (3, 15, 3, 1),
        (5, 17, 4, 2),
        (7, 33, 5, 2),
        (9, 63, 6, 1),
        (13, 64, 7, 2),
        (2, 31, 9, 1),
        (17, 96, 16, 2),
        (33, 100, 17, 2),
        (130, 896, 16, 2),
        (94, 896, 19, 2),
        (37, 2050, 33, 2),
        (18, 4864, 16, 2),
        (43, 4871, 70, 2),
        (4, 32, 64, 1),
        (22, 250, 128, 2),
        (40, 4864, 131, 2),
        (70, 896, 300, 2),
        (24, 4864, 200, 2),
    ];

    public static TheoryData<CpuIsa, int, int, int, int> Shapes() => KernelShapes.OnEverySupportedIsa(ShapeList);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_Bf16ThreeOrMoreTokens_MatchesScalarReferenceWithinFp32Rounding(CpuIsa isa, int rows, int cols, int tokens, int threads)
    {
        Bf16MatMulCheck.AgainstReference(isa, rows, cols, tokens, threads);
    }
}

using Worker.Runtime.Ops;
using Worker.Tests.Support;

namespace Worker.Tests.Ops;

/// <summary>
/// The BF16 decode path (one or two tokens) on every instruction-set path this CPU runs, against a double-precision
/// reference: widths not a multiple of the 16/32-value pair-order block or of the two-block step (scalar tails), rows
/// from 896 values (one or two tokens then read four rows of a chunk at once, so chunks of fewer than four rows and
/// chunks not a multiple of four are there too; the width just below stays on one row at a time), long rows (the down
/// projection's 4864), and enough rows for several guided chunks. On the AVX2 path the weights are 16-row panels: rows
/// not a multiple of 16 (a padded last panel), and chunks of panels that leave one, two or three panels after the
/// four-panel (one token) or three-panel (two tokens) passes, with odd widths (the two-step loop's last step).
/// </summary>
public sealed class Bf16DecodeKernelTests
{
    private static readonly (int Rows, int Cols, int Tokens, int Threads)[] ShapeList =
    [
        (1, 1, 1, 1),
        (3, 15, 1, 1),
        (5, 17, 2, 2),
        (7, 33, 1, 2),
        (9, 63, 2, 1),
        (11, 96, 1, 2),
        (301, 896, 1, 2),
        (2, 896, 1, 1),
        (7, 895, 1, 2),
        (130, 900, 2, 2),
        (37, 2050, 1, 2),
        (18, 4864, 2, 2),
        (301, 896, 2, 2),
        (7, 2050, 2, 1),
        (3, 1000, 2, 1),
        (43, 4871, 1, 1),
        (3, 3200, 1, 1),
        (6, 3100, 1, 2),
        (301, 3072, 1, 2),
        (176, 64, 1, 1),
        (160, 33, 1, 1),
        (144, 40, 1, 1),
        (128, 40, 2, 1),
        (112, 41, 2, 1),
    ];

    public static TheoryData<CpuIsa, int, int, int, int> Shapes() => KernelShapes.OnEverySupportedIsa(ShapeList);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_Bf16DecodeTokens_MatchesScalarReferenceWithinFp32Rounding(CpuIsa isa, int rows, int cols, int tokens, int threads)
    {
        Bf16MatMulCheck.AgainstReference(isa, rows, cols, tokens, threads);
    }
}

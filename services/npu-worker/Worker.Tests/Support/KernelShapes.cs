using Worker.Runtime.Ops;

namespace Worker.Tests.Support;

/// <summary>Kernel test cases: every shape on every instruction-set path this CPU supports.</summary>
internal static class KernelShapes
{
    /// <param name="shapes">(rows, cols, tokens, threads) of each case.</param>
    public static TheoryData<CpuIsa, int, int, int, int> OnEverySupportedIsa(IEnumerable<(int Rows, int Cols, int Tokens, int Threads)> shapes)
    {
        var data = new TheoryData<CpuIsa, int, int, int, int>();
        foreach (var isa in CpuIsaSelection.Supported)
        {
            foreach (var (rows, cols, tokens, threads) in shapes)
            {
                data.Add(isa, rows, cols, tokens, threads);
            }
        }

        return data;
    }

    /// <summary>Each (a, b) case on every instruction-set path this CPU supports.</summary>
    public static TheoryData<CpuIsa, TA, TB> OnEverySupportedIsa<TA, TB>(IEnumerable<(TA, TB)> cases)
    {
        var data = new TheoryData<CpuIsa, TA, TB>();
        foreach (var isa in CpuIsaSelection.Supported)
        {
            foreach (var (a, b) in cases)
            {
                data.Add(isa, a, b);
            }
        }

        return data;
    }
}

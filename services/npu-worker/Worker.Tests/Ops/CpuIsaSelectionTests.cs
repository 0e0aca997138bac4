using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

public sealed class CpuIsaSelectionTests
{
    [Fact]
    public void Resolve_Unset_ChoosesTheFastestSupportedPath()
    {
        Assert.Equal(CpuIsaSelection.Supported[^1], CpuIsaSelection.Resolve(null));
    }

    [Fact]
    public void Resolve_Avx2_ChoosesAvx2OnEveryMachine()
    {
        Assert.Equal(CpuIsa.Avx2, CpuIsaSelection.Resolve(" AVX2 "));
    }

    [Fact]
    public void Resolve_UnknownName_FailsNamingTheVariableAndTheChoices()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CpuIsaSelection.Resolve("sse4"));
        Assert.Equal("INFERENCE_CPU_ISA must be 'avx2' or 'avx512', got 'sse4'.", error.Message);
    }

    [Fact]
    public void Resolve_Avx512_ChoosesAvx512ExactlyWhenTheCpuHasIt()
    {
        if (CpuIsaSelection.Supported.Contains(CpuIsa.Avx512))
        {
            Assert.Equal(CpuIsa.Avx512, CpuIsaSelection.Resolve("avx512"));
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => CpuIsaSelection.Resolve("avx512"));
        }
    }
}

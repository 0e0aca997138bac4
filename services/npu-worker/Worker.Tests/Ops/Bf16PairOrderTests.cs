using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>The vectorized reorder (the AVX-512 path's) writes exactly the pair order the scalar definition gives.</summary>
public sealed unsafe class Bf16PairOrderTests
{
    [Theory]
    [InlineData(15)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(896)]
    [InlineData(4871)]
    public void Reorder_Avx512_EqualsScalarDefinition(int k)
    {
        if (!CpuIsaSelection.Supported.Contains(CpuIsa.Avx512))
        {
            return;
        }

        var x = Enumerable.Range(0, k).Select(i => (float)i).ToArray();
        var expected = new float[k];
        var actual = new float[k];
        fixed (float* xp = x)
        fixed (float* e = expected)
        fixed (float* a = actual)
        {
            Bf16PairOrder.Reorder(xp, k, 32, e);
            Bf16PairOrderAvx512.Reorder(xp, k, a);
        }

        Assert.Equal(expected, actual);
    }
}

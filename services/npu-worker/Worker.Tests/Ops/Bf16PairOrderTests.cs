using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>The vectorized reorders write exactly the pair order the scalar definition gives.</summary>
public sealed unsafe class Bf16PairOrderTests
{
    [Theory]
    [InlineData(15)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(896)]
    [InlineData(4871)]
    public void Reorder_EachPath_EqualsScalarDefinition(int k)
    {
        var x = Enumerable.Range(0, k).Select(i => (float)i).ToArray();
        var expected512 = new float[k];
        var expected256 = new float[k];
        var actual = new float[k];
        fixed (float* xp = x)
        fixed (float* e512 = expected512)
        fixed (float* e256 = expected256)
        fixed (float* a = actual)
        {
            Bf16PairOrder.Reorder(xp, k, 32, e512);
            Bf16PairOrder.Reorder(xp, k, 16, e256);
            if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            {
                Bf16PairOrderAvx512.Reorder(xp, k, a);
                Assert.Equal(expected512, actual);
            }

            Bf16PairOrderAvx2.Reorder(xp, k, a);
            Assert.Equal(expected256, actual);
        }
    }
}

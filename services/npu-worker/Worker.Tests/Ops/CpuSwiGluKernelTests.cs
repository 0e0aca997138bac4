using System.Runtime.Intrinsics;
using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>
/// The parallel in-place SwiGLU against the formula and, bit for bit, against one lane of its 256-bit form (so every
/// vector width, padded tail and chunking gives a value the same): one token (decode, one chunk), several tokens whose packed outputs
/// overwrite earlier tokens' gate and up rows, split into two or three column chunks (a short last one among them),
/// widths that leave 256-bit and scalar tails, and work too small to split.
/// </summary>
public sealed class CpuSwiGluKernelTests
{
    [Theory]
    [InlineData(1, 64, 1)]
    [InlineData(1, 77, 1)]
    [InlineData(1, 4864, 2)]
    [InlineData(3, 1000, 2)]
    [InlineData(7, 4864, 2)]
    [InlineData(16, 2056, 2)]
    [InlineData(64, 520, 2)]
    [InlineData(33, 1536, 3)]
    public void SwiGlu_PacksSiluOfGateTimesUp_TheSameInEveryForm(int tokens, int intermediate, int threads)
    {
        var random = new Random(tokens * 31 + intermediate);
        var gateUp = new float[tokens * 2 * intermediate + 5];
        for (int i = 0; i < gateUp.Length; i++)
        {
            gateUp[i] = (float)(random.NextDouble() * 12 - 6);
        }

        // Far into both tails of the sigmoid, where e^-g is clamped.
        gateUp[0] = -120;
        gateUp[1] = 95;

        var original = (float[])gateUp.Clone();
        using var pool = new ComputeThreadPool(threads);
        new CpuSwiGluKernel(pool).SwiGlu(gateUp, tokens, intermediate);

        for (int t = 0; t < tokens; t++)
        {
            for (int c = 0; c < intermediate; c++)
            {
                float g = original[t * 2 * intermediate + c];
                float u = original[t * 2 * intermediate + intermediate + c];
                double expected = g / (1 + Math.Exp(-g)) * u;
                float actual = gateUp[t * intermediate + c];
                Assert.True(Math.Abs(actual - expected) <= 1e-6 * Math.Abs(expected) + 1e-30, $"[{t}, {c}] = {actual}, expected {expected}");
                var gv = Vector256.Create(g);
                Assert.Equal((FastExp.Sigmoid(gv) * (gv * Vector256.Create(u))).ToScalar(), actual);
            }
        }

        Assert.Equal(original[^5..], gateUp[^5..]);
    }
}

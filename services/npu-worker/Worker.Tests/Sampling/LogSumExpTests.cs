using Worker.Runtime.Ops;
using Worker.Runtime.Sampling;
using Worker.Tests.Support;

namespace Worker.Tests.Sampling;

/// <summary>
/// <see cref="LogSoftmax.LogSumExp"/> (fp32 exponentials summed per chunk, chunks in fp64) against the same sum in
/// double precision: lengths below, at and past whole chunks, spreads from a few units to hundreds (terms far below
/// the max underflow), and the degenerate inputs, on every instruction-set path this CPU supports.
/// </summary>
public sealed class LogSumExpTests
{
    public static TheoryData<CpuIsa, int, double> Sizes() =>
        KernelShapes.OnEverySupportedIsa(new[] { (1, 1.0), (7, 5.0), (256, 20.0), (257, 20.0), (1000, 0.001), (151936, 20.0), (151936, 300.0), (152064, 60.0) });

    [Theory]
    [MemberData(nameof(Sizes))]
    public void LogSumExp_MatchesDoublePrecision(CpuIsa isa, int length, double spread)
    {
        var random = new Random(length + (int)spread);
        var logits = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.7) * spread)).ToArray();

        double max = logits.Max();
        double expected = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));

        Assert.Equal(expected, LogSoftmax.LogSumExp(logits, isa), 1e-5 * Math.Max(1, Math.Abs(expected)));
    }

    [Fact]
    public void LogSumExp_EqualLogits_IsTheLogitPlusLogOfTheCount()
    {
        var logits = Enumerable.Repeat(-3.25f, 151936).ToArray();

        foreach (var isa in CpuIsaSelection.Supported)
        {
            Assert.Equal(-3.25 + Math.Log(151936), LogSoftmax.LogSumExp(logits, isa), 1e-5);
        }
    }

    [Fact]
    public void LogSumExp_ExtremelyNegativeTerms_ContributeNothing()
    {
        var logits = Enumerable.Repeat(-1e30f, 4096).ToArray();
        logits[100] = 2f;
        logits[4000] = float.NegativeInfinity;

        foreach (var isa in CpuIsaSelection.Supported)
        {
            Assert.Equal(2f, LogSoftmax.LogSumExp(logits, isa), 6);
        }
    }

    [Theory]
    [InlineData(600, 300)]
    [InlineData(600, 599)]
    [InlineData(600, 0)]
    [InlineData(5, 2)]
    public void LogSumExp_NaNOrInfiniteMax_IsNaN(int length, int position)
    {
        foreach (var isa in CpuIsaSelection.Supported)
        {
            var logits = new float[length];
            logits[position] = float.NaN;
            Assert.True(float.IsNaN(LogSoftmax.LogSumExp(logits, isa)), $"NaN at {position} of {length} on {isa}");

            logits[position] = float.PositiveInfinity;
            Assert.True(float.IsNaN(LogSoftmax.LogSumExp(logits, isa)), $"+inf at {position} of {length} on {isa}");

            Assert.True(float.IsNaN(LogSoftmax.LogSumExp(Enumerable.Repeat(float.NegativeInfinity, length).ToArray(), isa)));
        }
    }
}

using Worker.Runtime;
using Worker.Runtime.Ops.Quantization;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>
/// The tiny seed-0 checkpoint quantized to Q8_0 at load, against the same checkpoint in BF16 (the golden runner):
/// every logit at the last prompt position and after the BF16 greedy continuation, on the golden prompts.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class Q8TinySeed0Tests(TinyModelFixture bf16) : IDisposable
{
    /// <summary>
    /// Measured max |logit_q8 - logit_bf16| over all 151936 logits of the 8 positions: 0.0549, the same on the AVX2
    /// and AVX-512 paths (top logits are about 2.5-3.1). Q8_0 rounds each weight and activation to 1/254 of its
    /// block's max; the bound is about twice the measured error, far below what a wrong block, scale or sign leaves.
    /// </summary>
    private const float Tolerance = 0.1f;

    private readonly ModelRunner _q8 = ModelRunner.Load(bf16.ModelPath,
        new ModelRunnerOptions { NumBlocks = 64, Threads = 2, Quantization = WeightQuantization.Q8_0 });

    public void Dispose() => _q8.Dispose();

    [Fact]
    public void GoldenPrompts_Q8_0Logits_StayWithinToleranceOfBf16()
    {
        float worst = GoldenLogitsComparison.WorstDifference(bf16.Runner, _q8);

        Assert.True(worst <= Tolerance, $"max |q8_0 - bf16| logit difference {worst} exceeds {Tolerance}");
    }
}

using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Ops;
using Worker.Tests.Support;

namespace Worker.Tests.Ops;

/// <summary>
/// The profiling decorators (<see cref="OpTimings"/>, `bench-model --profile`): a runner loaded with them generates what
/// one without them does, and counts, while enabled, every op of every pass: each weight matrix once a layer a step
/// with its bytes, attention once a layer, two RMSNorms a layer and the final one.
/// </summary>
public sealed class OpTimingsTests
{
    private static readonly RandomModelSpec Spec = RandomModelSpec.FromPreset("tiny", 0);
    private static readonly ModelRunnerOptions Options = new() { NumBlocks = 8, Threads = 2 };

    [Fact]
    public async Task Generate_WithTimings_SameTokensAndEveryOpCountedPerLayerAndStep()
    {
        const int steps = 5;
        int[] prompt = [3, 14, 15, 92, 65, 35];
        var timings = new OpTimings { Enabled = true };
        using var plain = new RandomModelRunner(Spec, Options);
        using var timed = new RandomModelRunner(Spec, Options with { OpTimings = timings });

        var expected = await Steps.Generate(plain.Runner, prompt, steps);
        var actual = await Steps.Generate(timed.Runner, prompt, steps);

        Assert.Equal(expected.Select(t => t.TokenId), actual.Select(t => t.TokenId));
        var ops = timings.Snapshot().ToDictionary(o => o.Op);
        int layers = Spec.NumHiddenLayers, h = Spec.HiddenSize, d = Spec.HeadDim;
        int qkvRows = (Spec.NumAttentionHeads + 2 * Spec.NumKeyValueHeads) * d;
        var matrices = new (int Rows, int Cols, int Calls)[]
        {
            (qkvRows, h, layers * steps),
            (h, Spec.NumAttentionHeads * d, layers * steps),
            (2 * Spec.IntermediateSize, h, layers * steps),
            (h, Spec.IntermediateSize, layers * steps),
            (Spec.VocabSize, h, steps),    // the tied LM head, once a pass
        };
        foreach (var (rows, cols, calls) in matrices)
        {
            var op = ops[$"matmul [{rows} x {cols}] bf16"];
            Assert.Equal((calls, (long)calls * rows * cols * sizeof(ushort)), (op.Calls, op.WeightBytes));
            Assert.True(op.Seconds > 0);
        }

        Assert.Equal(matrices.Length, ops.Keys.Count(k => k.StartsWith("matmul", StringComparison.Ordinal)));
        Assert.Equal(layers * steps, ops["attention"].Calls);
        Assert.Equal((2 * layers + 1) * steps, ops["rmsnorm"].Calls);
        Assert.Equal(layers * steps, ops["qkv epilogue"].Calls);
        Assert.Equal(layers * steps, ops["swiglu"].Calls);
        Assert.All(ops.Values.Where(o => !o.Op.StartsWith("matmul", StringComparison.Ordinal)), o => Assert.Equal(0, o.WeightBytes));
    }

    [Fact]
    public async Task Generate_TimingsDisabled_CountsNothing_AndResetForgets()
    {
        var timings = new OpTimings();
        using var timed = new RandomModelRunner(Spec, Options with { OpTimings = timings });

        await Steps.Generate(timed.Runner, [1, 2, 3], 2);
        Assert.Empty(timings.Snapshot());

        timings.Enabled = true;
        await Steps.Generate(timed.Runner, [1, 2, 3], 2);
        Assert.NotEmpty(timings.Snapshot());
        timings.Reset();
        Assert.Empty(timings.Snapshot());
    }
}

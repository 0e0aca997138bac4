using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Lora;
using Worker.Runtime.Ops.Quantization;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>An adapter over a base quantized to Q8_0 at load: its deltas stay fp32, so it stays close to the BF16 base with the adapter.</summary>
public sealed class LoraQuantizedBaseTests : IDisposable
{
    private static readonly int[] Prompt = [5, 17, 300, 42, 42, 7, 211, 0, 99];
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Q8Base_WithAdapter_IsCloseToBf16BaseWithAdapter()
    {
        string model = Path.Combine(_dir.Path, "base"), adapter = Path.Combine(_dir.Path, "adapter");
        RandomCheckpointWriter.Write(model, new RandomModelSpec(64, 96, 2, 4, 2, TieWordEmbeddings: false, Std: 0.08, Seed: 31, VocabSize: 512));
        RandomLoraWriter.Write(adapter, model, new RandomLoraSpec(Seed: 7));
        var options = LoraModelFixture.Options with { LoraModules = [new LoraModule("a", adapter)] };
        using var bf16 = ModelRunner.Load(model, options);
        using var q8 = ModelRunner.Load(model, options with { Quantization = WeightQuantization.Q8_0 });
        Assert.Equal("q8_0", q8.WeightType);

        var expected = bf16.ComputeLogits(Prompt, "a");
        var actual = q8.ComputeLogits(Prompt, "a");
        var baseLogits = bf16.ComputeLogits(Prompt);

        // Q8_0 rounds each weight to 1/254 of its block's largest: the logits moved by up to 0.04 when written, while the
        // adapter moves them by ~1, so both bounds below are needed for the test to say something.
        float quantizationError = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        float adapterEffect = expected.Zip(baseLogits).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(quantizationError < 0.1f, $"Q8_0 + adapter logits differ from BF16 + adapter by up to {quantizationError}");
        Assert.True(adapterEffect > 4 * quantizationError, $"the adapter moves logits by only {adapterEffect}, quantization by {quantizationError}");
    }
}

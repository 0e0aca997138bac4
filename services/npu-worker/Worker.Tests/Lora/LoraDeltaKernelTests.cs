using Inference.Testing.Checkpoints;
using Worker.Runtime.Lora;
using Worker.Runtime.Models.Decoder;
using Worker.Runtime.Ops;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>The deltas split across the compute threads equal the ones computed on the calling thread, bit for bit.</summary>
public sealed class LoraDeltaKernelTests : IDisposable
{
    private static readonly DecoderSpec Model = LoraTestModel.Spec;

    private readonly TemporaryDirectory _first = new();
    private readonly TemporaryDirectory _second = new();

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    [Fact]
    public void ManyRowsOfTwoAdaptersAndTheBase_SplitAcrossThreads_EqualTheSerialDeltas()
    {
        // Rank 64: each row's q delta is 64 * (64 + 64) multiply-adds, so 40 rows are well past the split threshold.
        RandomLoraWriter.Write(_first.Path, Model, new RandomLoraSpec(Rank: 64, Alpha: 16, Seed: 1));
        RandomLoraWriter.Write(_second.Path, Model, new RandomLoraSpec(Rank: 32, Alpha: 8, Seed: 2));
        var first = LoraAdapterReader.Read("first", _first.Path, Model);
        var second = LoraAdapterReader.Read("second", _second.Path, Model);
        var batch = new ForwardBatch();
        foreach (var (adapter, tokens) in new (LoraAdapter?, int)[] { (first, 17), (null, 5), (second, 11), (first, 7) })
        {
            batch.AddSequence([0, 1, 2, 3, 4, 5], adapter);
            for (int p = 0; p < tokens; p++) batch.AddToken(p, p, 4);
        }

        int rows = batch.TokenCount, width = 64 + 2 * 32;
        var x = Enumerable.Range(0, rows * 64).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        var serial = Enumerable.Range(0, rows * width).Select(i => MathF.Cos(i * 0.11f)).ToArray();
        var split = (float[])serial.Clone();

        using var pool = new ComputeThreadPool(2);
        foreach (var (kernel, y) in new[] { (new LoraDeltaKernel(null), serial), (new LoraDeltaKernel(pool), split) })
        {
            kernel.Add(batch, 1, LoraTarget.QProj, x, 64, y, width, 0);
            kernel.Add(batch, 1, LoraTarget.VProj, x, 64, y, width, 64 + 32);
        }

        Assert.Equal(serial, split);
        var untouched = Enumerable.Range(0, rows * width).Select(i => MathF.Cos(i * 0.11f)).ToArray();
        for (int row = 17; row < 22; row++)    // the base model's sequence keeps its values
            Assert.Equal(untouched.AsSpan(row * width, width).ToArray(), split.AsSpan(row * width, width).ToArray());
        Assert.NotEqual(untouched.AsSpan(0, width).ToArray(), split.AsSpan(0, width).ToArray());
    }
}

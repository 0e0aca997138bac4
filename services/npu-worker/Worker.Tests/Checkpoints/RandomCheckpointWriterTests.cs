using Inference.Testing.Checkpoints;
using Worker.Runtime.Checkpoints;
using Worker.Tests.Support;

namespace Worker.Tests.Checkpoints;

public sealed class RandomCheckpointWriterTests
{
    [Theory]
    [InlineData("model.embed_tokens.weight", new ushort[] { 0xbd12, 0xbd4c, 0x3b71, 0xbd8f })]
    [InlineData("model.layers.0.self_attn.q_proj.bias", new ushort[] { 0x3d4e, 0x3cae, 0xbe00, 0xbd71 })]
    [InlineData("model.norm.weight", new ushort[] { 0x3f60, 0x3f66, 0x3f79, 0x3f85 })]
    public unsafe void TinySeed0_FirstValues_MatchSpec(string tensor, ushort[] expected)
    {
        using var dir = new TemporaryDirectory();
        RandomCheckpointWriter.Write(dir.Path, RandomModelSpec.FromPreset("tiny", 0));
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        var view = checkpoint.TensorNames.Contains(tensor) ? checkpoint.Get(tensor, ShapeOf(checkpoint, tensor)) : null;
        Assert.NotNull(view);
        Assert.Equal(TensorDType.BF16, view.DType);
        Assert.Equal(expected, new ReadOnlySpan<ushort>(view.Data, 4).ToArray());
    }

    [Fact]
    public void Write_SameSpecTwice_ProducesIdenticalFiles()
    {
        using var first = new TemporaryDirectory();
        using var second = new TemporaryDirectory();
        var spec = new RandomModelSpec(32, 48, 2, 4, 2, TieWordEmbeddings: false, Std: 0.05, Seed: 9, VocabSize: 300);
        RandomCheckpointWriter.Write(first.Path, spec);
        RandomCheckpointWriter.Write(second.Path, spec);
        foreach (string file in new[] { "model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Path, file)), File.ReadAllBytes(Path.Combine(second.Path, file)));
        }
    }

    [Fact]
    public void Write_Untied_WritesLmHeadWithConfigShapes()
    {
        using var dir = new TemporaryDirectory();
        RandomCheckpointWriter.Write(dir.Path, new RandomModelSpec(32, 48, 1, 4, 2, false, 0.05, 1, VocabSize: 300));
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        Assert.Equal(new long[] { 300, 32 }, checkpoint.Get("lm_head.weight", 300, 32).Shape);
        Assert.Equal(new long[] { 48, 32 }, checkpoint.Get("model.layers.0.mlp.gate_proj.weight", 48, 32).Shape);
    }

    [Fact]
    public void FromPreset_Unknown_ThrowsNamingValidPresets()
    {
        var error = Assert.Throws<ArgumentException>(() => RandomModelSpec.FromPreset("huge", 0));
        Assert.Contains("huge", error.Message);
        Assert.Contains("tiny, small, qwen2.5-0.5b", error.Message);
    }

    [Fact]
    public void Write_ReportsProgressUpToOne()
    {
        using var dir = new TemporaryDirectory();
        var reports = new List<double>();
        var progress = new SynchronousProgress(reports);
        RandomCheckpointWriter.Write(dir.Path, new RandomModelSpec(32, 48, 1, 4, 2, true, 0.05, 1, VocabSize: 300), progress);
        Assert.Equal(1.0, reports.Max(), 6);
    }

    private static long[] ShapeOf(SafetensorsCheckpoint checkpoint, string name) =>
        name switch
        {
            "model.embed_tokens.weight" => [151936, 64],
            "model.layers.0.self_attn.q_proj.bias" => [64],
            _ => [64],
        };

    private sealed class SynchronousProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}

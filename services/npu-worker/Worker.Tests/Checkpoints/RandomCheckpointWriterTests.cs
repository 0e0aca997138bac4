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
    public void Write_Shards_WritesIndexNamingEachTensorsShard()
    {
        using var dir = new TemporaryDirectory();
        var spec = new RandomModelSpec(32, 48, 2, 4, 2, false, 0.05, 1, VocabSize: 300, Shards: 3);
        RandomCheckpointWriter.Write(dir.Path, spec);
        using var index = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "model.safetensors.index.json")));
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(spec.Tensors().Select(t => t.Name).Order(), map.Keys.Order());
        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], map.Values.Distinct().Order());
        Assert.False(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
    }

    [Fact]
    public void Write_F16_StoresTheFloat32ValueRoundedToHalf()
    {
        using var dir = new TemporaryDirectory();
        RandomCheckpointWriter.Write(dir.Path, RandomModelSpec.FromPreset("tiny", 0) with { DType = TensorDType.F16 });
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        var view = checkpoint.Get("model.embed_tokens.weight", 151936, 64);
        Assert.Equal(TensorDType.F16, view.DType);
        var values = new float[1];
        view.CopyTo(values);
        var expected = new ushort[1];
        RandomWeights.Fill(expected, RandomWeights.TensorState("model.embed_tokens.weight", 0), 0, 0.0, 0.08, TensorDType.F16);
        Assert.Equal((float)BitConverter.UInt16BitsToHalf(expected[0]), values[0]);
        Assert.NotEqual(BFloat16.ToSingle(0xbd12), values[0]); // the BF16 value of the same element (RANDOM_MODEL.md)
    }

    [Fact]
    public void Write_Qwen3_WritesQkNormsWithoutBiases()
    {
        using var dir = new TemporaryDirectory();
        RandomCheckpointWriter.Write(dir.Path, new RandomModelSpec(32, 48, 1, 4, 2, true, 0.05, 1, VocabSize: 300,
            Family: CheckpointFamily.Qwen3, ExplicitHeadDim: 16));
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        Assert.Equal(new long[] { 16 }, checkpoint.Get("model.layers.0.self_attn.q_norm.weight", 16).Shape);
        Assert.Equal(new long[] { 64, 32 }, checkpoint.Get("model.layers.0.self_attn.q_proj.weight", 64, 32).Shape);
        Assert.False(checkpoint.Contains("model.layers.0.self_attn.q_proj.bias"));
    }

    [Theory]
    [InlineData(CheckpointFamily.Qwen2, "Qwen2ForCausalLM", "qwen2.5-tokenizer")]
    [InlineData(CheckpointFamily.Qwen3, "Qwen3ForCausalLM", "qwen3-tokenizer")]
    [InlineData(CheckpointFamily.Llama, "LlamaForCausalLM", "qwen2.5-tokenizer")]
    public void Write_Family_WritesItsArchitectureAndTokenizer(CheckpointFamily family, string architecture, string tokenizerFolder)
    {
        using var dir = new TemporaryDirectory();
        RandomCheckpointWriter.Write(dir.Path, new RandomModelSpec(32, 48, 1, 4, 2, true, 0.05, 1, VocabSize: 300, Family: family));
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "config.json")));
        Assert.Equal(architecture, config.RootElement.GetProperty("architectures")[0].GetString());
        Assert.Equal(
            File.ReadAllBytes(RepositoryFiles.Fixture(Path.Combine(tokenizerFolder, "tokenizer_config.json"))),
            File.ReadAllBytes(Path.Combine(dir.Path, "tokenizer_config.json")));
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

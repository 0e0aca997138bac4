using System.Text.Json.Nodes;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Tests.Support;

namespace Worker.Tests.Checkpoints;

public sealed class CheckpointLoaderTests : IDisposable
{
    private static readonly RandomModelSpec Spec = new(32, 48, 1, 4, 2, TieWordEmbeddings: true, Std: 0.05, Seed: 3, VocabSize: 256);
    private static readonly ModelRunnerOptions Options = new() { NumBlocks = 8, Threads = 1 };
    private readonly TemporaryDirectory _dir = new();

    public CheckpointLoaderTests() => RandomCheckpointWriter.Write(_dir.Path, Spec);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_MissingConfig_ThrowsNamingConfigJson()
    {
        File.Delete(Path.Combine(_dir.Path, "config.json"));
        var error = Assert.Throws<FileNotFoundException>(() => ModelRunner.Load(_dir.Path, Options));
        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void Load_UnknownArchitecture_ThrowsNamingIt()
    {
        EditConfig(c => c["architectures"] = new JsonArray("MistralForCausalLM"));
        var error = Assert.Throws<InvalidDataException>(() => ModelRunner.Load(_dir.Path, Options));
        Assert.Contains("MistralForCausalLM", error.Message);
        Assert.Contains("Qwen2ForCausalLM", error.Message);
    }

    [Fact]
    public void Load_ShapeMismatch_ThrowsNamingTensorAndBothShapes()
    {
        EditConfig(c => c["intermediate_size"] = 40);
        var error = Assert.Throws<InvalidDataException>(() => ModelRunner.Load(_dir.Path, Options));
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", error.Message);
        Assert.Contains("[48, 32]", error.Message);
        Assert.Contains("[40, 32]", error.Message);
    }

    [Fact]
    public void Load_MissingTensor_ThrowsNamingIt()
    {
        EditConfig(c => c["tie_word_embeddings"] = false);
        var error = Assert.Throws<InvalidDataException>(() => ModelRunner.Load(_dir.Path, Options));
        Assert.Contains("lm_head.weight", error.Message);
    }

    [Fact]
    public void Load_MissingWeights_ThrowsNamingSafetensors()
    {
        File.Delete(Path.Combine(_dir.Path, "model.safetensors"));
        var error = Assert.Throws<FileNotFoundException>(() => ModelRunner.Load(_dir.Path, Options));
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void Load_TruncatedHeader_ThrowsInvalidData()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "model.safetensors"), [0xff, 0xff, 0xff, 0, 0, 0, 0, 0, (byte)'{']);
        var error = Assert.Throws<InvalidDataException>(() => ModelRunner.Load(_dir.Path, Options));
        Assert.Contains("header length", error.Message);
    }

    [Fact]
    public void Load_EosFromGenerationConfigList_ReportsAll()
    {
        using var runner = ModelRunner.Load(_dir.Path, Options);
        Assert.Equal(new[] { 151645, 151643 }, runner.Info.EosTokenIds);
        Assert.Equal("Qwen2ForCausalLM", runner.Info.Architecture);
    }

    [Fact]
    public void Load_WithoutGenerationConfig_FallsBackToConfigEos()
    {
        File.Delete(Path.Combine(_dir.Path, "generation_config.json"));
        using var runner = ModelRunner.Load(_dir.Path, Options);
        Assert.Equal(new[] { 151645 }, runner.Info.EosTokenIds);
    }

    private void EditConfig(Action<JsonObject> edit)
    {
        string path = Path.Combine(_dir.Path, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
    }
}

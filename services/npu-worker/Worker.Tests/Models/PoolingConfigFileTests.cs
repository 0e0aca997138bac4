using System.Text.Json.Nodes;
using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Models;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>modules.json, its Pooling module's config.json and config.json's matryoshka fields, as the worker reads them at load.</summary>
public sealed class PoolingConfigFileTests : IDisposable
{
    private const string Transformer = """{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}""";
    private const string Pooling = """{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}""";
    private const string Normalize = """{"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}""";
    private const string Dense = """{"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}""";

    /// <summary>Qwen3-Embedding's 1_Pooling/config.json (its word_embedding_dimension set to this config's hidden_size).</summary>
    private const string LastTokenPooling = """
        {"word_embedding_dimension": 32, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": false,
         "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false, "pooling_mode_weightedmean_tokens": false,
         "pooling_mode_lasttoken": true, "include_prompt": true}
        """;

    private readonly ConfigFolder _folder = new();

    public PoolingConfigFileTests() => _folder.Write(ConfigFolder.Tiny("Qwen3ForCausalLM"));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void NoModulesJson_EmbedsTheLastTokenNormalized()
    {
        var head = PoolingConfigFile.Load(_folder.Path, 32);

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: false, []), head.Pooling);
        Assert.Empty(head.DenseLayers);
    }

    [Fact]
    public void LastTokenWithNormalizeModule_IsNormalized()
    {
        WriteModules(Transformer, Pooling, Normalize);
        WritePoolingConfig(LastTokenPooling);

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: false, []), PoolingConfigFile.Load(_folder.Path, 32).Pooling);
    }

    [Fact]
    public void LastTokenWithoutNormalizeModule_IsNotNormalized()
    {
        WriteModules(Transformer, Pooling);
        WritePoolingConfig(LastTokenPooling);

        AssertPooling(new PoolingInfo(32, Normalize: false, Matryoshka: false, []), PoolingConfigFile.Load(_folder.Path, 32).Pooling);
    }

    [Theory]
    [InlineData("pooling_mode_lasttoken", PoolingMode.LastToken)]
    [InlineData("pooling_mode_mean_tokens", PoolingMode.Mean)]
    [InlineData("pooling_mode_cls_token", PoolingMode.Cls)]
    [InlineData("pooling_mode_max_tokens", PoolingMode.Max)]
    [InlineData("pooling_mode_mean_sqrt_len_tokens", PoolingMode.MeanSqrtLength)]
    [InlineData("pooling_mode_weightedmean_tokens", PoolingMode.WeightedMean)]
    public void EachPoolingMode_IsRead(string field, PoolingMode mode)
    {
        WriteModules(Transformer, Pooling, Normalize);
        WritePoolingConfig(field == "pooling_mode_lasttoken"
            ? LastTokenPooling
            : $$"""{"pooling_mode_lasttoken": false, "{{field}}": true, "include_prompt": true}""");

        var head = PoolingConfigFile.Load(_folder.Path, 32);

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: false, [], mode), head.Pooling);
        Assert.Equal(mode != PoolingMode.LastToken, head.Pooling.NeedsWholePrompt);
    }

    [Fact]
    public void TwoPoolingModes_AreRefusedNamingBoth()
    {
        WriteModules(Transformer, Pooling);
        WritePoolingConfig("""{"pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": true}""");

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains($"1_Pooling{Path.DirectorySeparatorChar}config.json: pooling_mode_mean_tokens and pooling_mode_max_tokens are all true", error.Message);
    }

    [Fact]
    public void UnknownPoolingMode_IsRefusedNamingIt()
    {
        WriteModules(Transformer, Pooling);
        WritePoolingConfig("""{"pooling_mode_lasttoken": true, "pooling_mode_median_tokens": true}""");

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("config.json: pooling_mode_median_tokens is not supported", error.Message);
    }

    [Fact]
    public void NoPoolingModeSet_IsRefusedNamingTheModes()
    {
        WriteModules(Transformer, Pooling);
        WritePoolingConfig("""{"word_embedding_dimension": 32}""");

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("no pooling_mode_* field is true; set one of pooling_mode_lasttoken", error.Message);
    }

    [Fact]
    public void IncludePromptFalse_IsRefusedNamingIt()
    {
        WriteModules(Transformer, Pooling);
        WritePoolingConfig("""{"pooling_mode_mean_tokens": true, "include_prompt": false}""");

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("config.json: include_prompt false is not supported", error.Message);
    }

    [Fact]
    public void DenseModule_ProjectsTheEmbeddingToItsOutFeatures()
    {
        WriteModules(Transformer, Pooling, Dense, Normalize);
        WritePoolingConfig(LastTokenPooling);
        SentenceTransformersLayout.WriteDense(DensePath, 32, 12, seed: 1);

        var head = PoolingConfigFile.Load(_folder.Path, 32);

        AssertPooling(new PoolingInfo(12, Normalize: true, Matryoshka: false, []), head.Pooling);
        var layer = Assert.Single(head.DenseLayers);
        Assert.Equal((32, 12, DenseActivation.Identity), (layer.InFeatures, layer.OutFeatures, layer.Activation));
    }

    [Fact]
    public void TwoDenseModules_ChainTheirFeatures()
    {
        const string second = """{"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"}""";
        WriteModules(Transformer, Pooling, Dense, second);
        WritePoolingConfig(LastTokenPooling);
        SentenceTransformersLayout.WriteDense(DensePath, 32, 12, seed: 1);
        SentenceTransformersLayout.WriteDense(Path.Combine(_folder.Path, "3_Dense"), 12, 5, seed: 2, "torch.nn.modules.activation.Tanh");

        var head = PoolingConfigFile.Load(_folder.Path, 32);

        Assert.Equal(5, head.Pooling.HiddenSize);
        Assert.Equal([DenseActivation.Identity, DenseActivation.Tanh], head.DenseLayers.Select(l => l.Activation));
    }

    [Fact]
    public void DenseModule_InFeaturesOtherThanItsInput_IsRefusedNamingTheField()
    {
        WriteModules(Transformer, Pooling, Dense);
        WritePoolingConfig(LastTokenPooling);
        SentenceTransformersLayout.WriteDense(DensePath, 16, 12, seed: 1);

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains($"2_Dense{Path.DirectorySeparatorChar}config.json: in_features 16 differs from the 32 values the module receives", error.Message);
    }

    [Fact]
    public void DenseModule_OtherActivation_IsRefusedNamingIt()
    {
        WriteModules(Transformer, Pooling, Dense);
        WritePoolingConfig(LastTokenPooling);
        SentenceTransformersLayout.WriteDense(DensePath, 32, 12, seed: 1, "torch.nn.modules.activation.ReLU");

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("config.json: activation_function torch.nn.modules.activation.ReLU is not supported", error.Message);
    }

    [Fact]
    public void DenseModule_WithPickleWeightsOnly_ReadsThemAsTheSafetensorsOnes()
    {
        WriteModules(Transformer, Pooling, Dense);
        WritePoolingConfig(LastTokenPooling);
        SentenceTransformersLayout.WriteDense(DensePath, 32, 12, seed: 1);
        var fromSafetensors = Assert.Single(PoolingConfigFile.Load(_folder.Path, 32).DenseLayers);
        File.Delete(Path.Combine(DensePath, "model.safetensors"));
        SentenceTransformersLayout.WriteDense(DensePath, 32, 12, seed: 1, pickle: true);
        float[] x = [.. Enumerable.Range(0, 32).Select(i => MathF.Sin(i))];

        var fromPickle = Assert.Single(PoolingConfigFile.Load(_folder.Path, 32).DenseLayers);

        Assert.Equal(fromSafetensors.Apply(x), fromPickle.Apply(x));
    }

    [Fact]
    public void DenseModule_WithoutWeights_IsRefusedNamingTheFile()
    {
        WriteModules(Transformer, Pooling, Dense);
        WritePoolingConfig(LastTokenPooling);
        SentenceTransformersLayout.WriteDense(DensePath, 32, 12, seed: 1);
        File.Delete(Path.Combine(DensePath, "model.safetensors"));

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("model.safetensors: not found (nor pytorch_model.bin)", error.Message);
    }

    [Fact]
    public void DenseModule_WrongWeightShape_IsRefusedNamingTheTensor()
    {
        WriteModules(Transformer, Pooling, Dense);
        WritePoolingConfig(LastTokenPooling);
        SentenceTransformersLayout.WriteDense(DensePath, 32, 12, seed: 1);
        // The config now claims 10 outputs; the file holds 12.
        File.WriteAllText(Path.Combine(DensePath, "config.json"), """{"in_features": 32, "out_features": 10, "bias": true, "activation_function": "torch.nn.modules.linear.Identity"}""");

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("tensor linear.weight has shape [12, 32], expected [10, 32]", error.Message);
    }

    [Theory]
    [InlineData(new[] { Transformer, Dense, Pooling }, "comes before the sentence_transformers.models.Pooling module")]
    [InlineData(new[] { Transformer, Normalize, Pooling }, "comes before the sentence_transformers.models.Pooling module")]
    [InlineData(new[] { Transformer, Pooling, Normalize, Dense }, "follows sentence_transformers.models.Normalize")]
    [InlineData(new[] { Pooling, Transformer }, "follows the sentence_transformers.models.Pooling module")]
    public void ModulesOutOfOrder_AreRefused(string[] modules, string message)
    {
        WriteModules(modules);
        WritePoolingConfig(LastTokenPooling);
        SentenceTransformersLayout.WriteDense(DensePath, 32, 12, seed: 1);

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void OtherModuleType_IsRefusedNamingIt()
    {
        WriteModules(Transformer, Pooling, """{"idx": 2, "name": "2", "path": "2_LayerNorm", "type": "sentence_transformers.models.LayerNorm"}""");
        WritePoolingConfig(LastTokenPooling);

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("modules.json: module type sentence_transformers.models.LayerNorm is not supported", error.Message);
    }

    [Fact]
    public void NoPoolingModule_IsRefused()
    {
        WriteModules(Transformer);

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("no sentence_transformers.models.Pooling module", error.Message);
    }

    [Fact]
    public void IsMatryoshka_AllowsAnyLength()
    {
        _folder.Write(WithField(ConfigFolder.Tiny("Qwen3ForCausalLM"), "is_matryoshka", true));

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: true, []), PoolingConfigFile.Load(_folder.Path, 32).Pooling);
    }

    [Fact]
    public void MatryoshkaDimensions_AreTheAllowedLengths()
    {
        _folder.Write(WithField(ConfigFolder.Tiny("Qwen3ForCausalLM"), "matryoshka_dimensions", new JsonArray(8, 16, 32)));

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: true, [8, 16, 32]), PoolingConfigFile.Load(_folder.Path, 32).Pooling);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void MatryoshkaDimension_OutsideHiddenSize_IsRefusedNamingIt(int dimension)
    {
        _folder.Write(WithField(ConfigFolder.Tiny("Qwen3ForCausalLM"), "matryoshka_dimensions", new JsonArray(16, dimension)));

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains($"config.json: matryoshka_dimensions[1] = {dimension} is not a length from 1 to the embedding size 32", error.Message);
    }

    [Fact]
    public void Load_ReportsThePoolingInInfo()
    {
        using var model = new TemporaryDirectory();
        RandomCheckpointWriter.Write(model.Path, new RandomModelSpec(32, 48, 1, 4, 2, true, 0.08, 3, VocabSize: 1000));
        File.WriteAllText(Path.Combine(model.Path, "modules.json"), $"[{Transformer}, {Pooling}]");
        Directory.CreateDirectory(Path.Combine(model.Path, "1_Pooling"));
        File.WriteAllText(Path.Combine(model.Path, "1_Pooling", "config.json"), LastTokenPooling);

        using var runner = ModelRunner.Load(model.Path, new ModelRunnerOptions { NumBlocks = 4, Threads = 1 });

        AssertPooling(new PoolingInfo(32, Normalize: false, Matryoshka: false, []), runner.Info.Pooling);
    }

    [Fact]
    public void Load_MeanPoolingWithDense_IsReportedInInfo()
    {
        using var model = new TemporaryDirectory();
        RandomCheckpointWriter.Write(model.Path, new RandomModelSpec(32, 48, 1, 4, 2, true, 0.08, 3, VocabSize: 1000));
        SentenceTransformersLayout.Write(model.Path, 32, PoolingMode.Mean, denseFeatures: 20);

        using var runner = ModelRunner.Load(model.Path, new ModelRunnerOptions { NumBlocks = 4, Threads = 1 });

        AssertPooling(new PoolingInfo(20, Normalize: true, Matryoshka: true, [], PoolingMode.Mean), runner.Info.Pooling);
    }

    private string DensePath => Path.Combine(_folder.Path, SentenceTransformersLayout.DenseFolder);

    private void WriteModules(params string[] modules) =>
        File.WriteAllText(Path.Combine(_folder.Path, "modules.json"), $"[{string.Join(", ", modules)}]");

    private void WritePoolingConfig(string json)
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, "1_Pooling"));
        File.WriteAllText(Path.Combine(_folder.Path, "1_Pooling", "config.json"), json);
    }

    private static JsonObject WithField(JsonObject config, string name, JsonNode value)
    {
        config[name] = value;
        return config;
    }

    private static void AssertPooling(PoolingInfo expected, PoolingInfo? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.HiddenSize, actual.HiddenSize);
        Assert.Equal(expected.Normalize, actual.Normalize);
        Assert.Equal(expected.Matryoshka, actual.Matryoshka);
        Assert.Equal(expected.MatryoshkaDimensions, actual.MatryoshkaDimensions);
        Assert.Equal(expected.Mode, actual.Mode);
    }
}

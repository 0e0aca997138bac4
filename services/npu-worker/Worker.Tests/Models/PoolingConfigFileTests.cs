using System.Text.Json.Nodes;
using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
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
        var pooling = PoolingConfigFile.Load(_folder.Path, 32);

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: false, []), pooling);
    }

    [Fact]
    public void LastTokenWithNormalizeModule_IsNormalized()
    {
        WriteModules(Transformer, Pooling, Normalize);
        WritePoolingConfig(LastTokenPooling);

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: false, []), PoolingConfigFile.Load(_folder.Path, 32));
    }

    [Fact]
    public void LastTokenWithoutNormalizeModule_IsNotNormalized()
    {
        WriteModules(Transformer, Pooling);
        WritePoolingConfig(LastTokenPooling);

        AssertPooling(new PoolingInfo(32, Normalize: false, Matryoshka: false, []), PoolingConfigFile.Load(_folder.Path, 32));
    }

    [Theory]
    [InlineData("pooling_mode_mean_tokens")]
    [InlineData("pooling_mode_cls_token")]
    [InlineData("pooling_mode_max_tokens")]
    [InlineData("pooling_mode_mean_sqrt_len_tokens")]
    [InlineData("pooling_mode_weightedmean_tokens")]
    public void OtherPoolingMode_IsRefusedNamingTheFileAndField(string mode)
    {
        WriteModules(Transformer, Pooling, Normalize);
        WritePoolingConfig($$"""{"pooling_mode_lasttoken": false, "{{mode}}": true}""");

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains($"1_Pooling{Path.DirectorySeparatorChar}config.json: {mode} is not supported; only last-token pooling (pooling_mode_lasttoken)", error.Message);
    }

    [Fact]
    public void NoPoolingModeSet_IsRefusedNamingLastToken()
    {
        WriteModules(Transformer, Pooling);
        WritePoolingConfig("""{"word_embedding_dimension": 32}""");

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("pooling_mode_lasttoken must be true", error.Message);
    }

    [Fact]
    public void DenseModule_IsRefusedNamingItsType()
    {
        WriteModules(Transformer, Pooling, Dense, Normalize);
        WritePoolingConfig(LastTokenPooling);

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("modules.json: module type sentence_transformers.models.Dense is not supported", error.Message);
    }

    [Fact]
    public void NoPoolingModule_IsRefused()
    {
        WriteModules(Transformer, Normalize);

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains("no sentence_transformers.models.Pooling module", error.Message);
    }

    [Fact]
    public void IsMatryoshka_AllowsAnyLength()
    {
        _folder.Write(WithField(ConfigFolder.Tiny("Qwen3ForCausalLM"), "is_matryoshka", true));

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: true, []), PoolingConfigFile.Load(_folder.Path, 32));
    }

    [Fact]
    public void MatryoshkaDimensions_AreTheAllowedLengths()
    {
        _folder.Write(WithField(ConfigFolder.Tiny("Qwen3ForCausalLM"), "matryoshka_dimensions", new JsonArray(8, 16, 32)));

        AssertPooling(new PoolingInfo(32, Normalize: true, Matryoshka: true, [8, 16, 32]), PoolingConfigFile.Load(_folder.Path, 32));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void MatryoshkaDimension_OutsideHiddenSize_IsRefusedNamingIt(int dimension)
    {
        _folder.Write(WithField(ConfigFolder.Tiny("Qwen3ForCausalLM"), "matryoshka_dimensions", new JsonArray(16, dimension)));

        var error = Assert.Throws<InvalidDataException>(() => PoolingConfigFile.Load(_folder.Path, 32));

        Assert.Contains($"config.json: matryoshka_dimensions[1] = {dimension} is not a length from 1 to hidden_size 32", error.Message);
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
    public void Load_MeanPooling_FailsNamingTheField()
    {
        using var model = new TemporaryDirectory();
        RandomCheckpointWriter.Write(model.Path, new RandomModelSpec(32, 48, 1, 4, 2, true, 0.08, 3, VocabSize: 1000));
        File.WriteAllText(Path.Combine(model.Path, "modules.json"), $"[{Transformer}, {Pooling}]");
        Directory.CreateDirectory(Path.Combine(model.Path, "1_Pooling"));
        File.WriteAllText(Path.Combine(model.Path, "1_Pooling", "config.json"), """{"pooling_mode_mean_tokens": true}""");

        var error = Assert.Throws<InvalidDataException>(() => ModelRunner.Load(model.Path, new ModelRunnerOptions { NumBlocks = 4, Threads = 1 }));

        Assert.Contains("pooling_mode_mean_tokens is not supported", error.Message);
    }

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
    }
}

using System.Text.Json.Nodes;
using Worker.Runtime.Models;
using Worker.Runtime.Models.Decoder;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>The architecture named in config.json picks the model; an unknown one is refused by name.</summary>
public sealed class ModelRegistryTests : IDisposable
{
    private readonly ConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void LoadConfig_Qwen2ForCausalLM_ReadsQwen2Config()
    {
        WriteConfig(Qwen2ConfigJson());
        var config = Assert.IsType<DecoderConfig>(ModelRegistry.LoadConfig(_folder.Path));
        Assert.Equal("Qwen2ForCausalLM", config.Architecture);
        Assert.True(config.Spec.QkvBias);
        Assert.False(config.Spec.QkNorm);
    }

    [Theory]
    [InlineData("Qwen3ForCausalLM")]
    [InlineData("LlamaForCausalLM")]
    public void LoadConfig_NewArchitecture_IsSupported(string architecture)
    {
        var json = Qwen2ConfigJson();
        json["architectures"] = new JsonArray(architecture);
        WriteConfig(json);
        Assert.Equal(architecture, ModelRegistry.LoadConfig(_folder.Path).Architecture);
    }

    [Fact]
    public void LoadConfig_UnknownArchitecture_ThrowsNamingItAndTheSupportedOnes()
    {
        var json = Qwen2ConfigJson();
        json["architectures"] = new JsonArray("MambaForCausalLM");
        WriteConfig(json);
        var error = Assert.Throws<InvalidDataException>(() => ModelRegistry.LoadConfig(_folder.Path));
        Assert.Contains("'MambaForCausalLM' is not supported", error.Message);
        Assert.Contains(string.Join(", ", ModelRegistry.SupportedArchitectures), error.Message);
    }

    [Fact]
    public void LoadConfig_MissingArchitectures_ThrowsNamingTheField()
    {
        var json = Qwen2ConfigJson();
        json.Remove("architectures");
        WriteConfig(json);
        var error = Assert.Throws<InvalidDataException>(() => ModelRegistry.LoadConfig(_folder.Path));
        Assert.Contains("missing 'architectures'", error.Message);
    }

    [Fact]
    public void SupportedArchitectures_ListsQwen2ForCausalLM()
    {
        Assert.Contains("Qwen2ForCausalLM", ModelRegistry.SupportedArchitectures);
    }

    private static JsonObject Qwen2ConfigJson() => ConfigFolder.Tiny("Qwen2ForCausalLM");

    private void WriteConfig(JsonObject json) => _folder.Write(json);
}

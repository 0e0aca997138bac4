using System.Text.Json.Nodes;
using Inference.Testing.Checkpoints;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Lora;
using Worker.Runtime.Models.Decoder;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>What the adapter reader accepts, and what it refuses with a message naming the field or the tensor.</summary>
public sealed class LoraAdapterReaderTests : IDisposable
{
    private static readonly DecoderSpec Model = LoraTestModel.Spec;

    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_AllLinearAdapter_HasEveryModuleOfEveryLayer()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(Rank: 4, Alpha: 8));
        var adapter = LoraAdapterReader.Read("a", _dir.Path, Model);
        Assert.Equal(LoraTargets.All, adapter.Targets);
        Assert.Equal(4, adapter.Rank);
        var down = adapter.Module(1, LoraTarget.DownProj)!;
        Assert.Equal((4, 96, 64), (down.Rank, down.InFeatures, down.OutFeatures));
        Assert.Equal(new Inference.Abstractions.Execution.LoraAdapterInfo("a", _dir.Path, 4), adapter.Info);
    }

    [Fact]
    public void Read_ModulesWithoutTensors_HaveNoDelta()
    {
        // all-linear selects everything, but the file holds only q and v: the other modules run as the base's.
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(TargetModules: ["q_proj", "v_proj"]));
        EditConfig(c => c["target_modules"] = "all-linear");
        var adapter = LoraAdapterReader.Read("a", _dir.Path, Model);
        Assert.Equal([LoraTarget.QProj, LoraTarget.VProj], adapter.Targets);
        Assert.Null(adapter.Module(0, LoraTarget.OProj));
        Assert.NotNull(adapter.Module(0, LoraTarget.VProj));
    }

    [Fact]
    public void Read_ScaleIsFoldedIntoA()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(Rank: 4, Alpha: 8, DType: TensorDType.F32));
        var adapter = LoraAdapterReader.Read("a", _dir.Path, Model);
        using var file = new SafetensorsFile(Path.Combine(_dir.Path, LoraAdapterReader.WeightsFileName));
        var a = new float[4 * 64];
        file.Tensors[RandomLoraWriter.TensorName(0, LoraTarget.QProj, "A")].CopyTo(a);
        Assert.Equal(2 * a[5], adapter.Module(0, LoraTarget.QProj)!.ScaledA[5]);
    }

    [Theory]
    [InlineData(false, 16, 8, 0.5)]    // alpha / r
    [InlineData(true, 16, 8, 2.0)]     // alpha / sqrt(r)
    [InlineData(true, 4, 16, 8.0)]
    public void Scale_FollowsUseRsLora(bool useRsLora, int rank, double alpha, double expected)
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(Rank: rank, Alpha: alpha, UseRsLora: useRsLora));
        Assert.Equal(expected, LoraAdapterConfig.Load(_dir.Path).Scale, 6);
    }

    [Theory]
    [InlineData("peft_type", "\"PREFIX_TUNING\"")]
    [InlineData("use_dora", "true")]
    [InlineData("bias", "\"lora_only\"")]
    [InlineData("fan_in_fan_out", "true")]
    [InlineData("modules_to_save", "[\"lm_head\"]")]
    [InlineData("layers_to_transform", "[0]")]
    [InlineData("layers_pattern", "\"layers\"")]
    [InlineData("rank_pattern", "{\"q_proj\": 4}")]
    [InlineData("alpha_pattern", "{\"q_proj\": 4}")]
    [InlineData("r", "0")]
    [InlineData("r", "-2")]
    [InlineData("target_modules", "[\"q_proj\", \"embed_tokens\"]")]
    [InlineData("target_modules", "[\"lm_head\"]")]
    [InlineData("target_modules", "\".*(lm_head|q_proj)\"")]
    [InlineData("target_modules", "null")]
    [InlineData("use_rslora", "\"yes\"")]
    [InlineData("layer_replication", "[[0, 2]]")]
    [InlineData("exclude_modules", "[\"o_proj\"]")]
    public void Read_UnsupportedConfigField_RefusesNamingTheFieldAndTheFolder(string field, string json)
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec());
        EditConfig(c => c[field] = JsonNode.Parse(json));
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains(field, error.Message);
        Assert.Contains(_dir.Path, error.Message);
    }

    [Theory]
    [InlineData("modules_to_save", "null")]
    [InlineData("modules_to_save", "[]")]
    [InlineData("layers_pattern", "null")]
    [InlineData("rank_pattern", "{}")]
    [InlineData("bias", "\"none\"")]
    [InlineData("target_modules", "\"model\\\\.layers\\\\.\\\\d+\\\\.(self_attn|mlp)\\\\.\\\\w+_proj\"")]
    public void Read_FieldsThatAskForNothing_AreAccepted(string field, string json)
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec());
        EditConfig(c => c[field] = JsonNode.Parse(json));
        Assert.Equal(LoraTargets.All, LoraAdapterReader.Read("a", _dir.Path, Model).Targets);
    }

    [Fact]
    public void TargetModules_RegexMustMatchTheWholeName_ListEntriesMatchNameSuffixes()
    {
        var regex = LoraTargetModules.FromString(@"model\.layers\.1\.self_attn\.(q|v)_proj", "cfg");
        Assert.True(regex.Selects(LoraTarget.QProj, 1));
        Assert.False(regex.Selects(LoraTarget.QProj, 0));
        Assert.False(regex.Selects(LoraTarget.KProj, 1));
        Assert.False(LoraTargetModules.FromString("q_proj", "cfg").Selects(LoraTarget.QProj, 0));    // PEFT: re.fullmatch on the qualified name

        var list = LoraTargetModules.FromList(["layers.1.mlp.down_proj", "o_proj"], "cfg");
        Assert.True(list.Selects(LoraTarget.DownProj, 1));
        Assert.False(list.Selects(LoraTarget.DownProj, 0));
        Assert.True(list.Selects(LoraTarget.OProj, 0));
        Assert.False(list.Selects(LoraTarget.QProj, 0));
    }

    [Fact]
    public void TargetModules_UnslothsGeneratedRegex_SelectsEveryProjectionOfEveryLayer()
    {
        // What Unsloth's get_peft_regex writes into adapter_config.json for a text model's seven projections.
        const string unsloth = @"(?:.*?(?:language|text).*?(?:self_attn|attention|attn|mlp|feed_forward|ffn|dense).*?(?:q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj).*?)|(?:\bmodel\.layers\.[\d]{1,}\.(?:self_attn|attention|attn|mlp|feed_forward|ffn|dense)\.(?:(?:q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)))";

        var targets = LoraTargetModules.FromString(unsloth, "cfg");

        foreach (var layer in (int[])[0, 1, 27])
            Assert.All(LoraTargets.All, target => Assert.True(targets.Selects(target, layer), $"{target} of layer {layer}"));
    }

    [Fact]
    public void Read_UnknownTensor_RefusesNamingIt()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(TargetModules: ["q_proj"]));
        RewriteTensors(t => [.. t, ("base_model.model.model.embed_tokens.lora_A.weight", [8, 512])]);
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains("'base_model.model.model.embed_tokens.lora_A.weight'", error.Message);
    }

    [Fact]
    public void Read_TensorOfAModuleOutsideTargetModules_RefusesNamingIt()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(TargetModules: ["q_proj", "k_proj"]));
        EditConfig(c => c["target_modules"] = new JsonArray("q_proj"));
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains("self_attn.k_proj.lora_A.weight", error.Message);
        Assert.Contains("target_modules", error.Message);
    }

    [Fact]
    public void Read_TensorOfALayerBeyondTheModel_RefusesNamingIt()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(TargetModules: ["q_proj"]));
        RewriteTensors(t => [.. t, ("base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight", [8, 64]),
            ("base_model.model.model.layers.2.self_attn.q_proj.lora_B.weight", [64, 8])]);
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains("'base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight'", error.Message);
        Assert.Contains("2 layers", error.Message);
    }

    [Fact]
    public void Read_MissingPartner_RefusesNamingBoth()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(TargetModules: ["v_proj"]));
        string b = RandomLoraWriter.TensorName(1, LoraTarget.VProj, "B");
        RewriteTensors(t => [.. t.Where(x => x.Name != b)]);
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains($"'{RandomLoraWriter.TensorName(1, LoraTarget.VProj, "A")}'", error.Message);
        Assert.Contains(b, error.Message);
    }

    [Fact]
    public void Read_ShapeThatDoesNotFitTheBaseModel_RefusesNamingTheTensor()
    {
        // Written for a model whose MLP is 128 wide; the base's is 96.
        RandomLoraWriter.Write(_dir.Path, Model with { Intermediate = 128 }, new RandomLoraSpec(TargetModules: ["up_proj"]));
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains($"'{RandomLoraWriter.TensorName(0, LoraTarget.UpProj, "B")}'", error.Message);
        Assert.Contains("[128, 8], expected [96, 8]", error.Message);
    }

    [Fact]
    public void Read_RankOtherThanTheConfigs_RefusesNamingTheTensor()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec(Rank: 8, TargetModules: ["o_proj"]));
        EditConfig(c => c["r"] = 4);
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains("o_proj.lora_A.weight' has shape [8, 64], expected [4, 64]", error.Message);
    }

    [Fact]
    public void Read_PickleWeightsOnly_RefusesAskingForSafetensors()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec());
        File.Move(Path.Combine(_dir.Path, LoraAdapterReader.WeightsFileName), Path.Combine(_dir.Path, LoraAdapterReader.PickleWeightsFileName));
        var error = Assert.Throws<InvalidDataException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains("adapter_model.bin", error.Message);
        Assert.Contains("pickle", error.Message);
        Assert.Contains("adapter_model.safetensors", error.Message);
    }

    [Fact]
    public void Read_NoConfig_IsFileNotFound()
    {
        RandomLoraWriter.Write(_dir.Path, Model, new RandomLoraSpec());
        File.Delete(Path.Combine(_dir.Path, LoraAdapterConfig.FileName));
        var error = Assert.Throws<FileNotFoundException>(() => LoraAdapterReader.Read("a", _dir.Path, Model));
        Assert.Contains("adapter_config.json", error.Message);
    }

    private void EditConfig(Action<JsonObject> edit)
    {
        string path = Path.Combine(_dir.Path, LoraAdapterConfig.FileName);
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
    }

    /// <summary>Rewrites adapter_model.safetensors as F32 zeros with the tensors <paramref name="edit"/> returns (names and shapes).</summary>
    private void RewriteTensors(Func<List<(string Name, long[] Shape)>, List<(string Name, long[] Shape)>> edit)
    {
        string path = Path.Combine(_dir.Path, LoraAdapterReader.WeightsFileName);
        List<(string Name, long[] Shape)> tensors;
        using (var file = new SafetensorsFile(path))
        {
            tensors = [.. file.Tensors.Values.Select(t => (t.Name, t.Shape.ToArray()))];
        }

        var specs = edit(tensors).Select(t => new TensorSpec(t.Name, t.Shape)).ToList();
        var layout = SafetensorsHeaderWriter.Build(specs, "F32", bytesPerElement: 4);
        using var output = File.Create(path);
        output.Write(layout.HeaderBytes);
        output.Write(new byte[layout.FileLength - layout.HeaderBytes.Length]);
    }
}

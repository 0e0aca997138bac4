using Worker.Runtime.Checkpoints;
using Worker.Tests.Support;

namespace Worker.Tests.Checkpoints;

/// <summary>The tensors of a GGUF file under their Hugging Face names.</summary>
public sealed class GgufCheckpointTests : IDisposable
{
    private readonly GgufHeaderFile _file = new("qwen2");

    public void Dispose() => _file.Dispose();

    [Fact]
    public void Tensor_IsFoundByItsHuggingFaceName()
    {
        _file.Tensors["blk.0.attn_norm.weight"] = [1, 2, 3, 4, 5, 6, 7, 8];
        using var checkpoint = GgufCheckpoint.Open(_file.Write(), queryKeyHeads: null);

        var values = new float[8];
        checkpoint.Get("model.layers.0.input_layernorm.weight", 8).CopyTo(values);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], values);
    }

    [Fact]
    public void LlamaQueryBias_IsReadBackInTransformersOrder()
    {
        // One head of 4: the converter wrote rows [0, 2, 1, 3] (rotate_half halves interleaved).
        _file.Tensors["blk.0.attn_q.bias"] = [10, 12, 11, 13];
        using var checkpoint = GgufCheckpoint.Open(_file.Write(), queryKeyHeads: (1, 1));

        var values = new float[4];
        checkpoint.Get("model.layers.0.self_attn.q_proj.bias", 4).CopyTo(values);

        Assert.Equal([10, 11, 12, 13], values);
    }

    [Fact]
    public void UnknownTensor_IsRefusedByName()
    {
        _file.Tensors["blk.0.ffn_gate_exps.weight"] = [0];

        var error = Assert.Throws<InvalidDataException>(() => GgufCheckpoint.Open(_file.Write(), queryKeyHeads: null));
        Assert.Contains("blk.0.ffn_gate_exps.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongShape_IsRefusedNamingTheGgufTensor()
    {
        _file.Tensors["output_norm.weight"] = [1, 2];
        using var checkpoint = GgufCheckpoint.Open(_file.Write(), queryKeyHeads: null);

        var error = Assert.Throws<InvalidDataException>(() => checkpoint.Get("model.norm.weight", 8));
        Assert.Contains("'output_norm.weight' has shape [2], expected [8]", error.Message, StringComparison.Ordinal);
    }
}

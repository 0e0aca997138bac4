using System.Runtime.InteropServices;
using Inference.Cli.Gguf;
using Inference.Cli.Tests.Support;
using Inference.Gguf;

namespace Inference.Cli.Tests.Gguf;

/// <summary>The tensors of the tiny checkpoint's GGUF, read back: names, ggml shapes, types and every value.</summary>
[Collection(TinyCheckpointCollection.Name)]
public sealed class ConvertedTensorTests(TinyCheckpoint tiny)
{
    [Fact]
    public void TensorNames_AreLlamaCppsInItsOrder()
    {
        var names = GgufFile.Open(tiny.F16Gguf).Tensors.Select(t => t.Name).ToArray();
        Assert.Equal(2 + 2 * 12, names.Length);
        Assert.Equal("token_embd.weight", names[0]);
        Assert.Equal("output_norm.weight", names[^1]); // tied: no output.weight
        Assert.Contains("blk.1.attn_q.bias", names);
        Assert.Contains("blk.0.ffn_down.weight", names);
    }

    [Fact]
    public void Dimensions_AreTheSafetensorsShapeReversed()
    {
        var file = GgufFile.Open(tiny.F16Gguf);
        Assert.Equal([64L, 151936L], file.Tensor("token_embd.weight").Dimensions);
        Assert.Equal([128L, 64L], file.Tensor("blk.0.ffn_down.weight").Dimensions);
        Assert.Equal([32L], file.Tensor("blk.0.attn_k.bias").Dimensions);
    }

    [Fact]
    public void Types_AreF16ForMatricesAndF32ForNormsAndBiases()
    {
        var file = GgufFile.Open(tiny.F16Gguf);
        Assert.Equal(GgmlType.F16, file.Tensor("blk.0.attn_q.weight").Type);
        Assert.Equal(GgmlType.F16, file.Tensor("token_embd.weight").Type);
        Assert.Equal(GgmlType.F32, file.Tensor("blk.0.attn_q.bias").Type);
        Assert.Equal(GgmlType.F32, file.Tensor("blk.0.attn_norm.weight").Type);
    }

    [Fact]
    public void F16Values_AreTheCheckpointValuesRoundedToHalf()
    {
        var file = GgufFile.Open(tiny.F16Gguf);
        using var checkpoint = SafetensorsTensors.Open(tiny.Directory);
        foreach (var info in file.Tensors)
        {
            var expected = CheckpointValues(checkpoint, info.Name);
            var bytes = file.ReadTensorBytes(info);
            float[] actual = info.Type == GgmlType.F16
                ? MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray()
                : MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            var rounded = info.Type == GgmlType.F16 ? expected.Select(v => (float)(Half)v).ToArray() : expected;
            Assert.True(rounded.SequenceEqual(actual), $"tensor {info.Name} differs");
        }
    }

    [Fact]
    public void F32Values_AreTheCheckpointValuesExactly()
    {
        var file = GgufFile.Open(tiny.F32Gguf);
        using var checkpoint = SafetensorsTensors.Open(tiny.Directory);
        var info = file.Tensor("blk.1.ffn_up.weight");
        Assert.Equal(GgmlType.F32, info.Type);
        Assert.Equal(CheckpointValues(checkpoint, info.Name), MemoryMarshal.Cast<byte, float>(file.ReadTensorBytes(info)).ToArray());
    }

    [Fact]
    public void DataOffsets_AreAlignedAndDoNotOverlap()
    {
        var file = GgufFile.Open(tiny.F16Gguf);
        Assert.Equal(0, file.DataStart % 32);
        long end = 0;
        foreach (var tensor in file.Tensors.OrderBy(t => t.Offset))
        {
            Assert.Equal(0, tensor.Offset % 32);
            Assert.True(tensor.Offset >= end, $"{tensor.Name} overlaps the tensor before it");
            end = tensor.Offset + tensor.ByteSize;
        }

        Assert.True(file.DataStart + end <= new FileInfo(tiny.F16Gguf).Length);
    }

    private static float[] CheckpointValues(SafetensorsTensors checkpoint, string ggufName)
    {
        string hfName = GgufTensorNames.ToHuggingFace(ggufName) ?? throw new InvalidOperationException($"no Hugging Face name for {ggufName}");
        var view = checkpoint.Tensors[hfName];
        var values = new float[view.ElementCount];
        view.CopyTo(values);
        return values;
    }
}

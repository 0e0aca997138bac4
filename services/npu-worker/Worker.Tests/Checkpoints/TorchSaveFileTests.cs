using Inference.Testing.Checkpoints;
using Inference.Torch;
using Worker.Tests.Support;
using static Inference.Torch.TorchSaveWriter;

namespace Worker.Tests.Checkpoints;

/// <summary>torch.save's format, a state dict (pytorch_model.bin) or one tensor (prompt_embeds), read without running the pickle.</summary>
public sealed class TorchSaveFileTests : IDisposable
{
    private static readonly Tensor Weight = new("linear.weight", [3, 4], [.. Enumerable.Range(0, 12).Select(i => i * 0.25f - 1.5f)]);
    private static readonly Tensor Bias = new("linear.bias", [3], [0.5f, -2f, 1e-3f]);

    private readonly TemporaryDirectory _directory = new();

    private string PathOf(string name) => Path.Combine(_directory.Path, name);

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(StorageType.Float)]
    [InlineData(StorageType.Half)]
    [InlineData(StorageType.BFloat16)]
    public void Read_StateDict_GivesEachTensorsShapeAndValues(StorageType storage)
    {
        var path = PathOf("pytorch_model.bin");
        Write(path, [Weight, Bias], storage);

        var tensors = TorchSaveFile.ReadStateDict(path);

        Assert.Equal(["linear.weight", "linear.bias"], tensors.Keys);
        Assert.Equal([3L, 4L], tensors["linear.weight"].Shape);
        Assert.Equal([3L], tensors["linear.bias"].Shape);
        // The values chosen are exact in every storage type but 1e-3, which half and bfloat16 round.
        Assert.Equal(Weight.Values, tensors["linear.weight"].Values);
        Assert.Equal(Bias.Values[..2], tensors["linear.bias"].Values[..2]);
        Assert.Equal(1e-3f, tensors["linear.bias"].Values[2], storage == StorageType.Float ? 0f : 1e-5f);
    }

    [Fact]
    public void Read_APickleCallingAnythingElse_IsRefusedWithoutRunningIt()
    {
        // GLOBAL os.system, a string, TUPLE1, REDUCE: what a malicious pickle would do.
        byte[] call = [(byte)'c', .. "os\nsystem\n"u8.ToArray(), (byte)'X', 4, 0, 0, 0, .. "echo"u8.ToArray(), 0x85, (byte)'R', (byte)'0'];
        var path = PathOf("evil.bin");
        Write(path, [Bias], extraPickle: call);

        var error = Assert.Throws<InvalidDataException>(() => TorchSaveFile.ReadStateDict(path));

        Assert.Contains("evil.bin: the pickle calls os.system", error.Message);
    }

    [Fact]
    public void Read_NotAZip_IsRefusedNamingTheFile()
    {
        var path = PathOf("legacy.bin");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a]);

        var error = Assert.Throws<InvalidDataException>(() => TorchSaveFile.ReadStateDict(path));

        Assert.StartsWith(path, error.Message);
    }

    [Theory]
    [InlineData(StorageType.Float)]
    [InlineData(StorageType.Half)]
    [InlineData(StorageType.BFloat16)]
    public void ReadTensor_OneSavedTensor_GivesItsShapeAndValues(StorageType storage)
    {
        var tensor = TorchSaveFile.ReadTensor(WriteTensor(Weight.Shape, Weight.Values, storage));

        Assert.Equal([3L, 4L], tensor.Shape);
        Assert.Equal(Weight.Values, tensor.Values);
    }

    [Fact]
    public void ReadTensor_AStateDictOrNotAZip_IsRefused()
    {
        var path = PathOf("pytorch_model.bin");
        Write(path, [Weight]);

        var dict = Assert.Throws<InvalidDataException>(() => TorchSaveFile.ReadTensor(File.ReadAllBytes(path)));
        var garbage = Assert.Throws<InvalidDataException>(() => TorchSaveFile.ReadTensor([1, 2, 3]));
        var tensorAsDict = Assert.Throws<InvalidDataException>(() =>
        {
            File.WriteAllBytes(PathOf("tensor.pt"), WriteTensor(Bias.Shape, Bias.Values));
            return TorchSaveFile.ReadStateDict(PathOf("tensor.pt"));
        });

        Assert.Contains("not a tensor", dict.Message);
        Assert.NotEmpty(garbage.Message);
        Assert.Contains("not a dict of tensors", tensorAsDict.Message);
    }

    /// <summary>Files real PyTorch wrote (tools/reference/make_torch_fixtures.py): torch.save(tensor, buffer), as vLLM's clients send prompt_embeds.</summary>
    [Theory]
    [InlineData("tensor_float32.pt")]
    [InlineData("tensor_float16.pt")]
    [InlineData("tensor_bfloat16.pt")]
    public void ReadTensor_WhatTorchSaves_GivesItsShapeAndValues(string file)
    {
        var tensor = TorchSaveFile.ReadTensor(File.ReadAllBytes(FixturePath(file)));

        Assert.Equal([3L, 4L], tensor.Shape);
        Assert.Equal(Weight.Values, tensor.Values);
    }

    [Fact]
    public void ReadTensor_WhatTorchSaves_ThreeDimensionsAndAView()
    {
        var batch = TorchSaveFile.ReadTensor(File.ReadAllBytes(FixturePath("tensor_batch.pt")));
        var transposed = Assert.Throws<InvalidDataException>(() => TorchSaveFile.ReadTensor(File.ReadAllBytes(FixturePath("tensor_transposed.pt"))));

        Assert.Equal([1L, 2L, 4L], batch.Shape);
        Assert.Equal(Weight.Values[..8], batch.Values);
        Assert.Contains("only row-major tensors are read", transposed.Message);
    }

    private static string FixturePath(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "torch", file);
}

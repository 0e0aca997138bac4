using Inference.Testing.Checkpoints;
using Worker.Runtime.Checkpoints;
using Worker.Tests.Support;
using static Inference.Testing.Checkpoints.TorchStateDictWriter;

namespace Worker.Tests.Checkpoints;

/// <summary>torch.save's state-dict format (pytorch_model.bin), read without running the pickle.</summary>
public sealed class TorchStateDictFileTests : IDisposable
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

        var tensors = TorchStateDictFile.Read(path);

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

        var error = Assert.Throws<InvalidDataException>(() => TorchStateDictFile.Read(path));

        Assert.Contains("evil.bin: the pickle calls os.system", error.Message);
    }

    [Fact]
    public void Read_NotAZip_IsRefusedNamingTheFile()
    {
        var path = PathOf("legacy.bin");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a]);

        var error = Assert.Throws<InvalidDataException>(() => TorchStateDictFile.Read(path));

        Assert.StartsWith(path, error.Message);
    }
}

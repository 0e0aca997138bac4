using Inference.Gguf;
using Inference.Cli.Tests.Support;

namespace Inference.Cli.Tests.Gguf;

/// <summary>The format itself: what the writer writes, the reader reads back.</summary>
public sealed class GgufWriterReaderTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public void EveryValueType_RoundTrips()
    {
        var metadata = new GgufMetadata
        {
            ["u8"] = new(GgufValueType.UInt8, (byte)7),
            ["i8"] = new(GgufValueType.Int8, (sbyte)-7),
            ["u16"] = new(GgufValueType.UInt16, (ushort)65000),
            ["i16"] = new(GgufValueType.Int16, (short)-300),
            ["u32"] = GgufValue.UInt32(4_000_000_000),
            ["i32"] = GgufValue.Int32(-5),
            ["f32"] = GgufValue.Float32(0.25f),
            ["bool"] = GgufValue.Bool(true),
            ["str"] = GgufValue.String("héllo"),
            ["u64"] = GgufValue.UInt64(ulong.MaxValue),
            ["i64"] = new(GgufValueType.Int64, long.MinValue),
            ["f64"] = new(GgufValueType.Float64, Math.PI),
            ["strs"] = GgufValue.Strings(["a", "Ġb", ""]),
            ["ints"] = GgufValue.Int32s([1, -2, 3]),
        };

        var read = WriteAndOpen(metadata, []).Metadata;

        Assert.Equal(metadata.Keys, read.Keys);
        foreach (var (key, value) in metadata)
        {
            Assert.Equal(value.Type, read[key].Type);
            Assert.Equal(value.ElementType, read[key].ElementType);
            if (value.Value is Array array)
            {
                Assert.Equal(array.Cast<object>(), ((Array)read[key].Value).Cast<object>());
            }
            else
            {
                Assert.Equal(value.Value, read[key].Value);
            }
        }
    }

    [Fact]
    public void TensorBytes_RoundTripAtAlignedOffsets()
    {
        var first = new GgufTensorInfo("a", GgmlType.F32, [3]);
        var second = new GgufTensorInfo("b", GgmlType.F16, [5, 2]);
        byte[] firstBytes = Enumerable.Range(1, 12).Select(i => (byte)i).ToArray();
        byte[] secondBytes = Enumerable.Range(100, 20).Select(i => (byte)i).ToArray();

        var file = WriteAndOpen(new GgufMetadata { ["general.architecture"] = GgufValue.String("x") },
            [new(first, s => s.Write(firstBytes)), new(second, s => s.Write(secondBytes))]);

        Assert.Equal([0L, 32L], file.Tensors.Select(t => t.Offset));
        Assert.Equal(firstBytes, file.ReadTensorBytes(file.Tensor("a")));
        Assert.Equal(secondBytes, file.ReadTensorBytes(file.Tensor("b")));
    }

    [Fact]
    public void Write_WhenATensorWritesTooFewBytes_Throws()
    {
        var info = new GgufTensorInfo("a", GgmlType.F32, [4]);
        using var stream = new MemoryStream();

        var e = Assert.Throws<InvalidDataException>(() => GgufWriter.Write(stream, new GgufMetadata(), [new(info, s => s.Write(new byte[15]))]));

        Assert.Contains("'a' wrote 15 bytes", e.Message);
    }

    [Fact]
    public void Q8_0Tensor_TakesThirtyFourBytesPerBlockOfThirtyTwo()
    {
        Assert.Equal(2 * 34 * 3, new GgufTensorInfo("q", GgmlType.Q8_0, [64, 3]).ByteSize);
    }

    [Fact]
    public void Open_FileWithoutGgufMagic_ThrowsNamingTheMagic()
    {
        string path = _directory.File("not.gguf");
        File.WriteAllBytes(path, new byte[64]);

        var e = Assert.Throws<InvalidDataException>(() => GgufFile.Open(path));

        Assert.Contains("not a GGUF file", e.Message);
    }

    [Fact]
    public void Get_OfAKeyHoldingAnotherType_ThrowsNamingTheKey()
    {
        var metadata = new GgufMetadata { ["k"] = GgufValue.String("s") };

        var e = Assert.Throws<InvalidDataException>(() => metadata.Get<uint>("k"));

        Assert.Contains("'k' holds a String", e.Message);
    }

    private GgufFile WriteAndOpen(GgufMetadata metadata, IReadOnlyList<GgufTensorData> tensors)
    {
        string path = _directory.File(Guid.NewGuid().ToString("N") + ".gguf");
        using (var stream = File.Create(path))
        {
            GgufWriter.Write(stream, metadata, tensors);
        }

        return GgufFile.Open(path);
    }

    public void Dispose() => _directory.Dispose();
}

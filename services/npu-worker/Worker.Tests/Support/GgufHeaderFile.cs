using System.Runtime.InteropServices;
using Inference.Gguf;

namespace Worker.Tests.Support;

/// <summary>
/// A small GGUF file for config tests: llama.cpp's model keys for one architecture (hidden 8, 2 heads of 4, 1 block,
/// a 4-token vocabulary) and the tensors a test names, each a zero-filled F32 vector of the given length.
/// </summary>
internal sealed class GgufHeaderFile : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public GgufHeaderFile(string arch)
    {
        Arch = arch;
        Metadata[GgufKeys.Architecture] = GgufValue.String(arch);
        Metadata[GgufKeys.ContextLength(arch)] = GgufValue.UInt32(64);
        Metadata[GgufKeys.EmbeddingLength(arch)] = GgufValue.UInt32(8);
        Metadata[GgufKeys.FeedForwardLength(arch)] = GgufValue.UInt32(16);
        Metadata[GgufKeys.BlockCount(arch)] = GgufValue.UInt32(1);
        Metadata[GgufKeys.HeadCount(arch)] = GgufValue.UInt32(2);
        Metadata[GgufKeys.HeadCountKv(arch)] = GgufValue.UInt32(1);
        Metadata[GgufKeys.RopeFreqBase(arch)] = GgufValue.Float32(10000);
        Metadata[GgufKeys.LayerNormRmsEpsilon(arch)] = GgufValue.Float32(1e-6f);
        Metadata[GgufKeys.Tokens] = GgufValue.Strings(["a", "b", "c", "d"]);
        Metadata[GgufKeys.EosTokenId] = GgufValue.UInt32(3);
    }

    public string Arch { get; }

    public GgufMetadata Metadata { get; } = new();

    /// <summary>Name → the F32 values of a 1-D tensor.</summary>
    public Dictionary<string, float[]> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>Writes the file and reads its header back.</summary>
    public GgufFile Write()
    {
        string path = System.IO.Path.Combine(_directory.Path, $"{Guid.NewGuid():N}.gguf");
        var tensors = Tensors.Select(t => new GgufTensorData(
            new GgufTensorInfo(t.Key, GgmlType.F32, [t.Value.Length]),
            stream => stream.Write(MemoryMarshal.AsBytes(t.Value.AsSpan())))).ToList();
        using (var stream = File.Create(path))
        {
            GgufWriter.Write(stream, Metadata, tensors);
        }

        return GgufFile.Open(path);
    }

    public void Dispose() => _directory.Dispose();
}

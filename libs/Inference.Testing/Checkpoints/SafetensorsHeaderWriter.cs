using System.Text;
using System.Text.Json.Nodes;
using Worker.Runtime.Checkpoints;

namespace Inference.Testing.Checkpoints;

/// <summary>Lays out a safetensors file: 8-byte little-endian header length, JSON header, tensor data.</summary>
public static class SafetensorsHeaderWriter
{
    /// <param name="HeaderBytes">Length prefix plus the JSON header, space-padded to 8 bytes.</param>
    /// <param name="DataStart">Byte offset of the data section.</param>
    /// <param name="DataOffsets">Each tensor's offset within the data section.</param>
    /// <param name="FileLength">Total file size.</param>
    public sealed record Layout(byte[] HeaderBytes, long DataStart, IReadOnlyList<long> DataOffsets, long FileLength);

    public static Layout Build(IReadOnlyList<TensorSpec> tensors, string dtype, int bytesPerElement)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        var offsets = new List<long>(tensors.Count);
        long offset = 0;
        foreach (var tensor in tensors)
        {
            long end = offset + tensor.ElementCount * bytesPerElement;
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offsets.Add(offset);
            offset = end;
        }

        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)padded);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length).Fill((byte)' ');
        return new Layout(bytes, bytes.Length, offsets, bytes.Length + offset);
    }
}

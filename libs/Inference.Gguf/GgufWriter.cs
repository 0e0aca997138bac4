using System.Text;

namespace Inference.Gguf;

/// <summary>
/// Writes a GGUF v3 file: header, key-values, tensor infos with offsets it assigns (each tensor padded to the
/// alignment, general.alignment or 32), padding, then each tensor's data from its callback.
/// </summary>
public static class GgufWriter
{
    /// <exception cref="ArgumentException">Two tensors share a name, or general.alignment is not a positive uint32.</exception>
    /// <exception cref="InvalidDataException">A tensor's callback wrote a different number of bytes than its info says.</exception>
    public static void Write(Stream output, GgufMetadata metadata, IReadOnlyList<GgufTensorData> tensors, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        int alignment = Alignment(metadata);
        var duplicate = tensors.GroupBy(t => t.Info.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Tensor '{duplicate.Key}' is listed twice.", nameof(tensors));
        }

        var counted = new CountingStream(output);
        using (var writer = new BinaryWriter(counted, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(GgufFormat.Magic);
            writer.Write(GgufFormat.Version);
            writer.Write((ulong)tensors.Count);
            writer.Write((ulong)metadata.Count);
            foreach (var (key, value) in metadata)
            {
                WriteString(writer, key);
                WriteValue(writer, key, value);
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                var info = tensor.Info;
                WriteString(writer, info.Name);
                writer.Write((uint)info.Dimensions.Count);
                foreach (long dimension in info.Dimensions)
                {
                    writer.Write((ulong)dimension);
                }

                writer.Write((uint)info.Type);
                writer.Write((ulong)offset);
                offset += GgufFormat.Pad(info.ByteSize, alignment);
            }

            writer.Flush();
        }

        WritePadding(counted, alignment);
        long totalBytes = Math.Max(1, tensors.Sum(t => t.Info.ByteSize));
        long done = 0;
        foreach (var tensor in tensors)
        {
            long start = counted.Written;
            tensor.WriteData(counted);
            long written = counted.Written - start;
            if (written != tensor.Info.ByteSize)
            {
                throw new InvalidDataException($"Tensor '{tensor.Info.Name}' wrote {written} bytes, its info says {tensor.Info.ByteSize}.");
            }

            WritePadding(counted, alignment);
            done += written;
            progress?.Report((double)done / totalBytes);
        }

        counted.Flush();
    }

    private static int Alignment(GgufMetadata metadata)
    {
        if (!metadata.TryGet(GgufKeys.Alignment, out var value))
        {
            return GgufFormat.DefaultAlignment;
        }

        return value.Value is uint alignment && alignment is > 0 and <= int.MaxValue
            ? (int)alignment
            : throw new ArgumentException($"{GgufKeys.Alignment} must be a positive uint32, got {value.Type} {value.Value}.", nameof(metadata));
    }

    private static void WritePadding(CountingStream output, int alignment)
    {
        long padding = GgufFormat.Pad(output.Written, alignment) - output.Written;
        Span<byte> zeros = stackalloc byte[(int)padding];
        zeros.Clear();
        output.Write(zeros);
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, string key, GgufValue value)
    {
        writer.Write((uint)value.Type);
        if (value.Type != GgufValueType.Array)
        {
            WriteScalar(writer, key, value.Type, value.Value);
            return;
        }

        if (value.ElementType is not { } elementType || elementType == GgufValueType.Array || value.Value is not Array array
            || array.GetType().GetElementType() != GgufValue.ClrType(elementType))
        {
            throw new ArgumentException($"GGUF key '{key}': an array value needs an element type (not Array) and a .NET array of it.");
        }

        writer.Write((uint)elementType);
        writer.Write((ulong)array.Length);
        foreach (object element in array)
        {
            WriteScalar(writer, key, elementType, element);
        }
    }

    private static void WriteScalar(BinaryWriter writer, string key, GgufValueType type, object value)
    {
        switch (type, value)
        {
            case (GgufValueType.UInt8, byte v): writer.Write(v); break;
            case (GgufValueType.Int8, sbyte v): writer.Write(v); break;
            case (GgufValueType.UInt16, ushort v): writer.Write(v); break;
            case (GgufValueType.Int16, short v): writer.Write(v); break;
            case (GgufValueType.UInt32, uint v): writer.Write(v); break;
            case (GgufValueType.Int32, int v): writer.Write(v); break;
            case (GgufValueType.Float32, float v): writer.Write(v); break;
            case (GgufValueType.Bool, bool v): writer.Write((byte)(v ? 1 : 0)); break;
            case (GgufValueType.String, string v): WriteString(writer, v); break;
            case (GgufValueType.UInt64, ulong v): writer.Write(v); break;
            case (GgufValueType.Int64, long v): writer.Write(v); break;
            case (GgufValueType.Float64, double v): writer.Write(v); break;
            default:
                throw new ArgumentException($"GGUF key '{key}': type {type} does not match the value {value} ({value.GetType().Name}).");
        }
    }
}

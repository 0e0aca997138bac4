using System.Text;

namespace Inference.Gguf;

/// <summary>
/// The header of a GGUF v3 file, read once: its metadata, its tensor infos and where the data starts. Tensor
/// bytes are read on request, so a multi-gigabyte file costs only its header to open.
/// </summary>
public sealed class GgufFile
{
    private const int MaxDimensions = 4;
    private const long MaxStringBytes = 1L << 30;

    private GgufFile(string path, GgufMetadata metadata, IReadOnlyList<GgufTensorInfo> tensors, long dataStart, int alignment)
    {
        Path = path;
        Metadata = metadata;
        Tensors = tensors;
        DataStart = dataStart;
        Alignment = alignment;
    }

    public string Path { get; }

    public GgufMetadata Metadata { get; }

    /// <summary>The tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>File offset of the data section; a tensor's data is at DataStart + its Offset.</summary>
    public long DataStart { get; }

    public int Alignment { get; }

    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a GGUF v3 file, or its header is malformed (the message says where).</exception>
    public static GgufFile Open(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            return Read(path, stream.Length, reader);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: the GGUF header ends early, at byte {stream.Position} of {stream.Length}.", e);
        }
    }

    public GgufTensorInfo Tensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"{Path} has no tensor '{name}'.");

    /// <summary>The raw bytes of a tensor, as stored.</summary>
    public byte[] ReadTensorBytes(GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var bytes = new byte[tensor.ByteSize];
        using var handle = File.OpenHandle(Path);
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(read), DataStart + tensor.Offset + read);
            if (n == 0)
            {
                throw new InvalidDataException($"{Path}: tensor '{tensor.Name}' runs past the end of the file.");
            }

            read += n;
        }

        return bytes;
    }

    private static GgufFile Read(string path, long length, BinaryReader reader)
    {
        uint magic = reader.ReadUInt32();
        if (magic != GgufFormat.Magic)
        {
            throw new InvalidDataException($"{path}: not a GGUF file (magic 0x{magic:X8}, expected 0x{GgufFormat.Magic:X8}).");
        }

        uint version = reader.ReadUInt32();
        if (version != GgufFormat.Version)
        {
            throw new InvalidDataException($"{path}: GGUF version {version}; this reader reads version {GgufFormat.Version}.");
        }

        ulong tensorCount = reader.ReadUInt64();
        ulong keyCount = reader.ReadUInt64();
        if (tensorCount > int.MaxValue || keyCount > int.MaxValue)
        {
            throw new InvalidDataException($"{path}: {tensorCount} tensors and {keyCount} keys are more than a file can hold.");
        }

        var metadata = new GgufMetadata();
        for (ulong i = 0; i < keyCount; i++)
        {
            string key = ReadString(reader, path);
            metadata[key] = ReadValue(reader, path, key);
        }

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        for (ulong i = 0; i < tensorCount; i++)
        {
            tensors.Add(ReadTensorInfo(reader, path));
        }

        int alignment = metadata.TryGet(GgufKeys.Alignment, out var a) && a.Value is uint value && value is > 0 and <= int.MaxValue
            ? (int)value
            : GgufFormat.DefaultAlignment;
        long dataStart = GgufFormat.Pad(reader.BaseStream.Position, alignment);
        foreach (var tensor in tensors)
        {
            if (tensor.Offset % alignment != 0 || dataStart + tensor.Offset + tensor.ByteSize > length)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{tensor.Name}' at data offset {tensor.Offset} ({tensor.ByteSize} bytes) is misaligned or past the end of the file.");
            }
        }

        return new GgufFile(path, metadata, tensors, dataStart, alignment);
    }

    private static GgufTensorInfo ReadTensorInfo(BinaryReader reader, string path)
    {
        string name = ReadString(reader, path);
        uint dimensionCount = reader.ReadUInt32();
        if (dimensionCount is 0 or > MaxDimensions)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' has {dimensionCount} dimensions; ggml tensors have 1 to {MaxDimensions}.");
        }

        var dimensions = new long[dimensionCount];
        for (int d = 0; d < dimensions.Length; d++)
        {
            ulong dimension = reader.ReadUInt64();
            dimensions[d] = dimension is > 0 and <= long.MaxValue
                ? (long)dimension
                : throw new InvalidDataException($"{path}: tensor '{name}' dimension {d} is {dimension}.");
        }

        var type = (GgmlType)reader.ReadUInt32();
        if (!Enum.IsDefined(type))
        {
            throw new InvalidDataException(
                $"{path}: tensor '{name}' has ggml type {(uint)type}; this reader knows {string.Join(", ", Enum.GetValues<GgmlType>())}.");
        }

        ulong offset = reader.ReadUInt64();
        return new GgufTensorInfo(name, type, dimensions, offset <= long.MaxValue
            ? (long)offset
            : throw new InvalidDataException($"{path}: tensor '{name}' offset {offset} is out of range."));
    }

    private static GgufValue ReadValue(BinaryReader reader, string path, string key)
    {
        var type = (GgufValueType)reader.ReadUInt32();
        if (type != GgufValueType.Array)
        {
            return new GgufValue(type, ReadScalar(reader, path, key, type));
        }

        var elementType = (GgufValueType)reader.ReadUInt32();
        ulong count = reader.ReadUInt64();
        if (elementType == GgufValueType.Array || !Enum.IsDefined(elementType) || count > int.MaxValue)
        {
            throw new InvalidDataException($"{path}: key '{key}' is an array of {count} values of type {(uint)elementType}, which this reader does not read.");
        }

        var array = Array.CreateInstance(GgufValue.ClrType(elementType), (int)count);
        for (int i = 0; i < array.Length; i++)
        {
            array.SetValue(ReadScalar(reader, path, key, elementType), i);
        }

        return new GgufValue(GgufValueType.Array, array, elementType);
    }

    private static object ReadScalar(BinaryReader reader, string path, string key, GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => reader.ReadByte(),
        GgufValueType.Int8 => reader.ReadSByte(),
        GgufValueType.UInt16 => reader.ReadUInt16(),
        GgufValueType.Int16 => reader.ReadInt16(),
        GgufValueType.UInt32 => reader.ReadUInt32(),
        GgufValueType.Int32 => reader.ReadInt32(),
        GgufValueType.Float32 => reader.ReadSingle(),
        GgufValueType.Bool => reader.ReadByte() switch
        {
            0 => false,
            1 => true,
            var b => throw new InvalidDataException($"{path}: key '{key}' has bool byte {b}."),
        },
        GgufValueType.String => ReadString(reader, path),
        GgufValueType.UInt64 => reader.ReadUInt64(),
        GgufValueType.Int64 => reader.ReadInt64(),
        GgufValueType.Float64 => reader.ReadDouble(),
        _ => throw new InvalidDataException($"{path}: key '{key}' has value type {(uint)type}, which GGUF does not define."),
    };

    private static string ReadString(BinaryReader reader, string path)
    {
        ulong length = reader.ReadUInt64();
        if (length > MaxStringBytes)
        {
            throw new InvalidDataException($"{path}: a string of {length} bytes at byte {reader.BaseStream.Position - 8} is longer than {MaxStringBytes}.");
        }

        byte[] bytes = reader.ReadBytes((int)length);
        return bytes.Length == (int)length
            ? Encoding.UTF8.GetString(bytes)
            : throw new EndOfStreamException();
    }
}

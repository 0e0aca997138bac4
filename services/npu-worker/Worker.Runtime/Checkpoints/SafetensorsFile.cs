using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace Worker.Runtime.Checkpoints;

/// <summary>One memory-mapped .safetensors file: an 8-byte header length, a JSON header, then raw data.</summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, TensorView> _tensors = new(StringComparer.Ordinal);

    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header is malformed.</exception>
    public SafetensorsFile(string path)
    {
        Path = path;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Safetensors file not found: {path}", path);
        }

        long length = new FileInfo(path).Length;
        if (length < 8)
        {
            throw new InvalidDataException($"{path}: file is {length} bytes, too short for a safetensors header.");
        }

        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        try
        {
            ParseHeader(length);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, TensorView> Tensors => _tensors;

    private void ParseHeader(long fileLength)
    {
        ulong headerLength = *(ulong*)_base;
        if (headerLength > (ulong)(fileLength - 8) || headerLength > 100_000_000)
        {
            throw new InvalidDataException($"{Path}: header length {headerLength} exceeds the file size {fileLength}.");
        }

        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(new ReadOnlyMemory<byte>(ReadBytes(8, (int)headerLength)));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Path}: header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    continue;
                }

                _tensors[entry.Name] = ParseTensor(entry, dataStart, dataLength);
            }
        }
    }

    private TensorView ParseTensor(JsonProperty entry, long dataStart, long dataLength)
    {
        string name = entry.Name;
        try
        {
            string dtypeText = entry.Value.GetProperty("dtype").GetString() ?? "";
            TensorDType dtype = dtypeText switch
            {
                "BF16" => TensorDType.BF16,
                "F16" => TensorDType.F16,
                "F32" => TensorDType.F32,
                _ => throw new InvalidDataException(
                    $"{Path}: tensor '{name}' has dtype {dtypeText}; supported dtypes are BF16, F16, F32."),
            };
            long[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            long elements = shape.Aggregate(1L, (p, d) => p * d);
            long expectedBytes = elements * (dtype == TensorDType.F32 ? 4 : 2);
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != expectedBytes)
            {
                throw new InvalidDataException(
                    $"{Path}: tensor '{name}' data_offsets [{string.Join(", ", offsets)}] do not hold {expectedBytes} bytes " +
                    $"of shape {TensorSpec.FormatShape(shape)} within {dataLength} data bytes.");
            }

            return new TensorView(name, dtype, shape, _base + dataStart + offsets[0]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{Path}: tensor '{name}' has a malformed header entry: {e.Message}", e);
        }
    }

    private byte[] ReadBytes(long offset, int count) => new ReadOnlySpan<byte>(_base + offset, count).ToArray();

    public void Dispose()
    {
        if (_base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }

        _view.Dispose();
        _file.Dispose();
    }
}

using System.Text.Json;

namespace Worker.Runtime.Checkpoints;

/// <summary>
/// The tensors of a model folder: model.safetensors, or shards listed by model.safetensors.index.json.
/// Tensor data stays memory-mapped until the checkpoint is disposed.
/// </summary>
public sealed class SafetensorsCheckpoint : ITensorSource
{
    private const string SingleFileName = "model.safetensors";
    private const string IndexFileName = "model.safetensors.index.json";
    private readonly List<SafetensorsFile> _files = [];
    private readonly Dictionary<string, TensorView> _tensors = new(StringComparer.Ordinal);

    private SafetensorsCheckpoint(string directory) => Directory = directory;

    public string Directory { get; }

    public string Location => Directory;

    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <exception cref="FileNotFoundException">Neither model.safetensors nor an index exists, or a shard is missing.</exception>
    /// <exception cref="InvalidDataException">A header or the index is malformed.</exception>
    public static SafetensorsCheckpoint Open(string directory)
    {
        var checkpoint = new SafetensorsCheckpoint(directory);
        try
        {
            string index = Path.Combine(directory, IndexFileName);
            string single = Path.Combine(directory, SingleFileName);
            if (File.Exists(index))
            {
                foreach (string shard in ReadShardNames(index))
                {
                    checkpoint.Add(new SafetensorsFile(Path.Combine(directory, shard)));
                }
            }
            else if (File.Exists(single))
            {
                checkpoint.Add(new SafetensorsFile(single));
            }
            else
            {
                throw new FileNotFoundException(
                    $"No weights in {directory}: expected {SingleFileName} or {IndexFileName}.", single);
            }

            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The tensor, checked against its expected shape.</summary>
    /// <exception cref="InvalidDataException">The tensor is missing or its shape differs.</exception>
    public TensorView Get(string name, params long[] expectedShape)
    {
        if (!_tensors.TryGetValue(name, out var tensor))
        {
            throw new InvalidDataException($"Checkpoint {Directory} is missing tensor '{name}' (expected shape {TensorSpec.FormatShape(expectedShape)}).");
        }

        if (!tensor.Shape.SequenceEqual(expectedShape))
        {
            throw new InvalidDataException(
                $"Tensor '{name}' has shape {TensorSpec.FormatShape(tensor.Shape)}, expected {TensorSpec.FormatShape(expectedShape)} from config.json.");
        }

        return tensor;
    }

    private static IEnumerable<string> ReadShardNames(string indexPath)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            return document.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(p => p.Value.GetString() ?? throw new InvalidDataException($"{indexPath}: weight_map['{p.Name}'] is null."))
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{indexPath}: expected an object with a 'weight_map' of tensor name to shard file: {e.Message}", e);
        }
    }

    private void Add(SafetensorsFile file)
    {
        _files.Add(file);
        foreach (var (name, tensor) in file.Tensors)
        {
            _tensors[name] = tensor;
        }
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }

        _files.Clear();
    }
}

using System.Text.Json;
using Worker.Runtime.Checkpoints;

namespace Inference.Cli.Gguf;

/// <summary>
/// Every tensor of a checkpoint folder by name, whatever its shape: model.safetensors, or the shards that
/// model.safetensors.index.json lists. (The worker's SafetensorsCheckpoint checks each tensor against the shape its
/// architecture expects; a converter takes the shapes as they are.) Memory-mapped until disposed.
/// </summary>
public sealed class SafetensorsTensors : IDisposable
{
    private readonly List<SafetensorsFile> _files = [];
    private readonly Dictionary<string, TensorView> _tensors = new(StringComparer.Ordinal);

    private SafetensorsTensors(string directory) => Directory = directory;

    public string Directory { get; }

    public IReadOnlyDictionary<string, TensorView> Tensors => _tensors;

    /// <exception cref="FileNotFoundException">There is neither model.safetensors nor an index, or a shard is missing.</exception>
    /// <exception cref="InvalidDataException">A header or the index is malformed.</exception>
    public static SafetensorsTensors Open(string directory)
    {
        var tensors = new SafetensorsTensors(directory);
        try
        {
            foreach (string file in Files(directory))
            {
                var opened = new SafetensorsFile(file);
                tensors._files.Add(opened);
                foreach (var (name, view) in opened.Tensors)
                {
                    tensors._tensors[name] = view;
                }
            }

            return tensors;
        }
        catch
        {
            tensors.Dispose();
            throw;
        }
    }

    private static IEnumerable<string> Files(string directory)
    {
        string index = Path.Combine(directory, "model.safetensors.index.json");
        if (!File.Exists(index))
        {
            return [Path.Combine(directory, "model.safetensors")];
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(index));
            return document.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(p => Path.Combine(directory, p.Value.GetString() ?? throw new InvalidDataException($"{index}: weight_map['{p.Name}'] is null.")))
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{index}: expected an object with a 'weight_map' of tensor name to shard file: {e.Message}", e);
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

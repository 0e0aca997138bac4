using System.Text.Json;

namespace Inference.Hub;

/// <summary>Which repository files serving needs, and whether a folder has them.</summary>
public static class ServableSnapshot
{
    private static readonly HashSet<string> NamedFiles = new(StringComparer.Ordinal)
    {
        "config.json", "generation_config.json", "chat_template.jinja",
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "vocab.json", "merges.txt", "tokenizer.model",
    };

    /// <summary>
    /// config.json, generation_config.json, the tokenizer files, chat_template.jinja, *.safetensors and
    /// *.safetensors.index.json at the repository's top level; other weight formats (.bin, .pt, .gguf, .onnx) are
    /// never fetched.
    /// </summary>
    public static bool IsNeeded(string repoPath) =>
        !repoPath.Contains('/', StringComparison.Ordinal) &&
        (NamedFiles.Contains(repoPath) ||
         repoPath.EndsWith(".safetensors", StringComparison.Ordinal) ||
         repoPath.EndsWith(".safetensors.index.json", StringComparison.Ordinal));

    /// <summary>
    /// Whether the folder has a readable config.json and its safetensors weights: model.safetensors, or an index
    /// and every shard it names. Links into blobs that are gone do not count.
    /// </summary>
    public static bool IsComplete(string directory)
    {
        if (!IsReadable(Path.Combine(directory, "config.json"))) return false;
        if (IsReadable(Path.Combine(directory, "model.safetensors"))) return true;
        var index = Path.Combine(directory, "model.safetensors.index.json");
        if (!IsReadable(index)) return false;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(index));
            var shards = json.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(p => p.Value.GetString()).Distinct().ToList();
            return shards.Count > 0 && shards.All(s => s is not null && IsReadable(Path.Combine(directory, s)));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A file, or a link whose final target is a file.</summary>
    internal static bool IsReadable(string path)
    {
        var file = new FileInfo(path);
        if (file.LinkTarget is null) return file.Exists;
        return file.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true };
    }
}

using System.Text.Json.Nodes;

namespace Worker.Tests.Support;

/// <summary>A temporary model folder for config.json tests, and the smallest config.json of an architecture.</summary>
internal sealed class ConfigFolder : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    public string Path => _dir.Path;

    /// <summary>A one-layer config.json of <paramref name="architecture"/>; tests change the fields they are about.</summary>
    public static JsonObject Tiny(string architecture) => new()
    {
        ["architectures"] = new JsonArray(architecture),
        ["vocab_size"] = 256,
        ["hidden_size"] = 32,
        ["intermediate_size"] = 48,
        ["num_hidden_layers"] = 1,
        ["num_attention_heads"] = 4,
        ["num_key_value_heads"] = 2,
        ["max_position_embeddings"] = 32768,
    };

    public void Write(JsonObject config) => File.WriteAllText(System.IO.Path.Combine(Path, "config.json"), config.ToJsonString());

    public void Dispose() => _dir.Dispose();
}

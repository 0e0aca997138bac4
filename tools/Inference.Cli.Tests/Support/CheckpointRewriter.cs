using System.Text.Json.Nodes;
using Inference.Cli.Gguf;
using Inference.Testing.Checkpoints;
using Worker.Runtime.Checkpoints;

namespace Inference.Cli.Tests.Support;

/// <summary>Copies a BF16 checkpoint folder with its tensors and config.json edited: tests make variants of the tiny checkpoint with it.</summary>
public static class CheckpointRewriter
{
    /// <param name="tensor">Returns the BF16 bytes to write for a tensor, or null to leave it out.</param>
    /// <param name="config">Edits config.json.</param>
    public static unsafe void Write(string source, string destination, Func<TensorView, byte[]?> tensor, Action<JsonObject> config)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        config(json);
        File.WriteAllText(Path.Combine(destination, "config.json"), json.ToJsonString());

        using var tensors = SafetensorsTensors.Open(source);
        var kept = tensors.Tensors.Values.Select(v => (View: v, Bytes: tensor(v))).Where(t => t.Bytes is not null).ToArray();
        var layout = SafetensorsHeaderWriter.Build(kept.Select(t => new TensorSpec(t.View.Name, t.View.Shape.ToArray())).ToArray(), "BF16", 2);
        using var stream = File.Create(Path.Combine(destination, "model.safetensors"));
        stream.Write(layout.HeaderBytes);
        foreach (var (_, bytes) in kept)
        {
            stream.Write(bytes);
        }
    }

    /// <summary>A tensor's BF16 bytes as they are.</summary>
    public static unsafe byte[] Bytes(TensorView view) => new ReadOnlySpan<byte>(view.Data, checked((int)(view.ElementCount * 2))).ToArray();
}

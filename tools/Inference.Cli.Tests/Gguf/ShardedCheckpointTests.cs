using System.Text.Json.Nodes;
using Inference.Cli.Gguf;
using Inference.Cli.Tests.Support;
using Inference.Gguf;
using Inference.Testing.Checkpoints;
using Worker.Runtime.Checkpoints;

namespace Inference.Cli.Tests.Gguf;

[Collection(TinyCheckpointCollection.Name)]
public sealed class ShardedCheckpointTests(TinyCheckpoint tiny) : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public void Convert_OfTheSameTensorsInTwoShards_WritesTheSameGgufTensors()
    {
        string sharded = _directory.File("tiny-sharded");
        Shard(tiny.Directory, sharded);
        string gguf = _directory.File("sharded.gguf");

        HfToGgufConverter.Convert(sharded, gguf, GgufOutputType.F16);

        var expected = GgufFile.Open(tiny.F16Gguf);
        var actual = GgufFile.Open(gguf);
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        foreach (var tensor in expected.Tensors)
        {
            Assert.Equal(expected.ReadTensorBytes(tensor), actual.ReadTensorBytes(actual.Tensor(tensor.Name)));
        }
    }

    /// <summary>Copies a single-file checkpoint as two BF16 shards (layer 0 and the embedding; the rest) with their index.</summary>
    private static unsafe void Shard(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        using var tensors = SafetensorsTensors.Open(source);
        var groups = tensors.Tensors.Values.GroupBy(t => t.Name.Contains(".layers.0.", StringComparison.Ordinal) || t.Name.Contains("embed", StringComparison.Ordinal)).ToArray();
        var weightMap = new JsonObject();
        for (int shard = 0; shard < groups.Length; shard++)
        {
            string name = $"model-{shard + 1:D5}-of-{groups.Length:D5}.safetensors";
            var views = groups[shard].ToArray();
            var layout = SafetensorsHeaderWriter.Build(views.Select(v => new TensorSpec(v.Name, v.Shape.ToArray())).ToArray(), "BF16", 2);
            using var stream = File.Create(Path.Combine(destination, name));
            stream.Write(layout.HeaderBytes);
            foreach (var view in views)
            {
                stream.Write(new ReadOnlySpan<byte>(view.Data, checked((int)(view.ElementCount * 2))));
                weightMap[view.Name] = name;
            }
        }

        File.WriteAllText(Path.Combine(destination, "model.safetensors.index.json"),
            new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap }.ToJsonString());
    }

    public void Dispose() => _directory.Dispose();
}

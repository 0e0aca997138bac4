using Worker.Runtime.Checkpoints;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// Splits the tensors, in file order, into consecutive shards of about equal bytes, named as transformers'
/// save_pretrained names them: model.safetensors alone, else model-00001-of-00003.safetensors and so on.
/// </summary>
public static class ShardPlan
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <exception cref="ArgumentException">More shards than tensors.</exception>
    public static IReadOnlyList<(string FileName, IReadOnlyList<TensorSpec> Tensors)> Split(IReadOnlyList<TensorSpec> tensors, int shards)
    {
        if (shards == 1)
        {
            return [(SingleFileName, tensors)];
        }

        if (shards > tensors.Count)
        {
            throw new ArgumentException($"Cannot split {tensors.Count} tensors into {shards} shards.", nameof(shards));
        }

        long total = tensors.Sum(t => t.ElementCount);
        var result = new List<(string, IReadOnlyList<TensorSpec>)>();
        var current = new List<TensorSpec>();
        long done = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            current.Add(tensors[i]);
            done += tensors[i].ElementCount;
            int shardsLeft = shards - result.Count - 1;
            int tensorsLeft = tensors.Count - i - 1;
            // Close the shard once it holds its share of the bytes, keeping one tensor for every shard still to come.
            bool full = done * shards >= total * (result.Count + 1);
            if (shardsLeft > 0 && (full || tensorsLeft == shardsLeft))
            {
                result.Add((FileName(result.Count + 1, shards), current));
                current = [];
            }
        }

        result.Add((FileName(shards, shards), current));
        return result;
    }

    private static string FileName(int index, int count) => $"model-{index:D5}-of-{count:D5}.safetensors";
}

using System.Globalization;
using Inference.Abstractions.Execution;

namespace Scheduler.Core.Fleet;

/// <summary>Whether a worker can join a fleet: the same model (vocabulary, block size, stop ids, LoRA adapters) and
/// room for one request of the engine's longest length.</summary>
internal static class WorkerCompatibility
{
    /// <exception cref="ArgumentException">The message names what differs.</exception>
    public static void Check(ExecutorInfo model, int maxModelLength, ExecutorInfo worker)
    {
        Require(worker.VocabSize == model.VocabSize, "vocab_size", worker.VocabSize, model.VocabSize);
        Require(worker.BlockSize == model.BlockSize, "block_size", worker.BlockSize, model.BlockSize);
        Require(worker.Architecture == model.Architecture, "architecture", worker.Architecture, model.Architecture);
        Require(worker.HiddenSize == model.HiddenSize, "hidden_size", worker.HiddenSize, model.HiddenSize);
        Require(worker.EosTokenIds.SequenceEqual(model.EosTokenIds), "eos_token_ids",
            string.Join(',', worker.EosTokenIds), string.Join(',', model.EosTokenIds));
        Require(SamePooling(worker.Pooling, model.Pooling), "pooling", Describe(worker.Pooling), Describe(model.Pooling));
        Require(SameClassifier(worker.Classifier, model.Classifier), "classifier", Describe(worker.Classifier), Describe(model.Classifier));
        Require(SameAdapters(worker.LoraAdapters, model.LoraAdapters), "lora_adapters",
            Describe(worker.LoraAdapters), Describe(model.LoraAdapters));
        if ((long)worker.NumBlocks * worker.BlockSize < maxModelLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The worker's KV memory holds {worker.NumBlocks} blocks of {worker.BlockSize} tokens, less than one request of the served max model length {maxModelLength}; give it more KV memory (Worker:KvCacheMiB) or lower the scheduler's MaxModelLength."));
        }
    }

    private static bool SamePooling(PoolingInfo? a, PoolingInfo? b) =>
        a is null || b is null
            ? a is null && b is null
            : a.HiddenSize == b.HiddenSize && a.Normalize == b.Normalize && a.Matryoshka == b.Matryoshka && a.Mode == b.Mode &&
              a.MatryoshkaDimensions.SequenceEqual(b.MatryoshkaDimensions);

    private static string Describe(PoolingInfo? p) => p is null
        ? "none"
        : $"{p.Mode} pooling, hidden_size {p.HiddenSize}, normalize {p.Normalize}, matryoshka {p.Matryoshka} [{string.Join(',', p.MatryoshkaDimensions)}]";

    private static bool SameClassifier(ClassifierInfo? a, ClassifierInfo? b) =>
        a is null || b is null
            ? a is null && b is null
            : a.Labels.SequenceEqual(b.Labels) && a.ClassifyActivation == b.ClassifyActivation && a.ScoreActivation == b.ScoreActivation;

    private static string Describe(ClassifierInfo? c) => c is null
        ? "none"
        : $"labels [{string.Join(',', c.Labels)}], classify {c.ClassifyActivation}, score {c.ScoreActivation}";

    /// <summary>
    /// A request may run on any worker, so each must hold every adapter the fleet serves, and no other (one the others
    /// lack could not be served). Name and rank identify an adapter; its path is where that machine keeps it, which may
    /// differ between machines. Order does not matter.
    /// </summary>
    private static bool SameAdapters(IReadOnlyList<LoraAdapterInfo>? a, IReadOnlyList<LoraAdapterInfo>? b) =>
        Identities(a).SetEquals(Identities(b));

    private static HashSet<(string Name, int Rank)> Identities(IReadOnlyList<LoraAdapterInfo>? adapters) =>
        [.. (adapters ?? []).Select(adapter => (adapter.Name, adapter.Rank))];

    private static string Describe(IReadOnlyList<LoraAdapterInfo>? adapters) => adapters is null or { Count: 0 }
        ? "none"
        : string.Join(", ", adapters.OrderBy(adapter => adapter.Name, StringComparer.Ordinal)
            .Select(adapter => $"{adapter.Name} (rank {adapter.Rank})"));

    private static void Require<T>(bool same, string field, T worker, T model)
    {
        if (!same)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The worker serves another model: its {field} is {worker}, the fleet's is {model}."));
        }
    }
}

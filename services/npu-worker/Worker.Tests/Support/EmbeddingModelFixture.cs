using System.Numerics.Tensors;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Checkpoints;

namespace Worker.Tests.Support;

/// <summary>
/// A small untied random checkpoint (vocabulary 1000, so reading LM head rows is cheap) and a shared BF16 runner over
/// it with 4-token blocks (so a prompt spans several blocks). Tests using the runner must finish every request they start.
/// </summary>
public sealed class EmbeddingModelFixture : IDisposable
{
    public const int HiddenSize = 64;
    public const int VocabSize = 1000;

    /// <summary>11 tokens: two full blocks and part of a third.</summary>
    public static readonly int[] Prompt = [5, 17, 300, 42, 42, 7, 511, 0, 99, 123, 64];

    private readonly TemporaryDirectory _directory = new();

    public EmbeddingModelFixture()
    {
        RandomCheckpointWriter.Write(_directory.Path, Spec);
        Runner = ModelRunner.Load(ModelPath, Options);
    }

    /// <summary>The checkpoint's sizes and seed: another layout of them (a classifier's) shares every decoder weight.</summary>
    public static RandomModelSpec Spec { get; } = new(HiddenSize, 128, 2, 4, 2, TieWordEmbeddings: false, Std: 0.08, Seed: 21, VocabSize: VocabSize);

    public static ModelRunnerOptions Options { get; } = new() { NumBlocks = 32, BlockSize = 4, Threads = 2 };

    public string ModelPath => _directory.Path;

    public ModelRunner Runner { get; }

    /// <summary>dot(hidden, lm_head.weight row v) for each v, the rows read from the checkpoint.</summary>
    public float[] LmHeadDots(float[] hidden, IReadOnlyList<int> tokenIds)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(ModelPath);
        var head = checkpoint.Get("lm_head.weight", VocabSize, HiddenSize);
        var row = new float[HiddenSize];
        var dots = new float[tokenIds.Count];
        for (int i = 0; i < dots.Length; i++)
        {
            head.CopyTo(row, (long)tokenIds[i] * HiddenSize);
            dots[i] = TensorPrimitives.Dot<float>(hidden, row);
        }

        return dots;
    }

    public void Dispose()
    {
        Runner.Dispose();
        _directory.Dispose();
    }
}

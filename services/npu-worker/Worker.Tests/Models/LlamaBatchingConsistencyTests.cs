using Inference.Testing.Checkpoints;

namespace Worker.Tests.Models;

/// <summary>Llama: no biases, 4 heads over 1 KV head, llama3 rope scaling, tied head.</summary>
public sealed class LlamaBatchingConsistencyTests() : BatchingConsistencyTests(
    new RandomModelSpec(64, 160, 3, 4, 1, TieWordEmbeddings: true, Std: 0.08, Seed: 13, VocabSize: 512,
        Family: CheckpointFamily.Llama, RopeScaling: new RandomRopeScaling("llama3", 8), PretrainedContext: 16));

using Inference.Testing.Checkpoints;

namespace Worker.Tests.Models;

/// <summary>Qwen3: q/k norms, head_dim 24 (hidden 96 over 6 heads would be 16), 2 KV heads, YaRN rope scaling.</summary>
public sealed class Qwen3BatchingConsistencyTests() : BatchingConsistencyTests(
    new RandomModelSpec(96, 160, 3, 6, 2, TieWordEmbeddings: false, Std: 0.08, Seed: 12, VocabSize: 512,
        Family: CheckpointFamily.Qwen3, ExplicitHeadDim: 24, RopeScaling: new RandomRopeScaling("yarn", 2), PretrainedContext: 16));

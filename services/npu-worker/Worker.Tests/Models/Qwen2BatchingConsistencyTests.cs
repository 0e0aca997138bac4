using Inference.Testing.Checkpoints;

namespace Worker.Tests.Models;

/// <summary>Qwen2: hidden 96, 3 layers, 6 heads over 3 KV heads, untied head.</summary>
public sealed class Qwen2BatchingConsistencyTests() : BatchingConsistencyTests(
    new RandomModelSpec(96, 160, 3, 6, 3, TieWordEmbeddings: false, Std: 0.08, Seed: 11, VocabSize: 512));

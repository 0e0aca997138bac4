namespace Integration.Tests.Embeddings;

/// <summary>
/// The system serving a tiny random Qwen2 checkpoint laid out as stella_en_1.5B_v5 ships (`make-model
/// --sentence-transformers --pooling mean --dense 24`: mean Pooling, a Dense module to 24 values, then Normalize).
/// </summary>
public sealed class MeanPoolingServedSystem() : ServedSystem()
{
    public const int EmbeddingSize = 24;

    protected override IReadOnlyList<string> MakeModelArguments =>
        ["--preset", "tiny", "--seed", "0", "--sentence-transformers", "--pooling", "mean", "--dense", $"{EmbeddingSize}"];
}

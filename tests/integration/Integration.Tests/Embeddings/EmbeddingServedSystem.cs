namespace Integration.Tests.Embeddings;

/// <summary>
/// The system serving a tiny random Qwen3 checkpoint laid out as an embedding model the way Qwen3-Embedding ships
/// (`make-model --sentence-transformers`: last-token Pooling and Normalize modules, a tokenizer that appends
/// &lt;|endoftext|&gt;, is_matryoshka).
/// </summary>
public sealed class EmbeddingServedSystem() : ServedSystem()
{
    protected override IReadOnlyList<string> MakeModelArguments => ["--arch", "qwen3", "--preset", "tiny", "--seed", "0", "--sentence-transformers"];
}

namespace Scheduler.Core;

/// <summary>
/// The served model does not do what the request asks (vLLM's "The model does not support ... API"): an embedding model
/// or causal LM asked to classify, a classifier asked to embed or generate, a model without pooling asked to embed.
/// Nothing was queued.
/// </summary>
public sealed class TaskNotSupportedException(string message) : Exception(message)
{
    public static TaskNotSupportedException Embeddings(string servedModelName) =>
        new($"Model \"{servedModelName}\" does not support the embeddings API.");

    public static TaskNotSupportedException EmbeddingsOfClassifier(string servedModelName) =>
        new($"Model \"{servedModelName}\" is a sequence classifier: it does not support the embeddings API; use classify, score or rerank.");

    public static TaskNotSupportedException Classification(string servedModelName) =>
        new($"Model \"{servedModelName}\" is not a sequence classifier: it does not support the classification API.");

    public static TaskNotSupportedException Generation(string servedModelName) =>
        new($"Model \"{servedModelName}\" is a sequence classifier with no LM head: it does not generate text; use classify, score or rerank.");
}

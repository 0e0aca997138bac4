namespace Scheduler.Core;

/// <summary>The served model's workers embed nothing (their executors report no pooling); nothing was queued.</summary>
public sealed class EmbeddingsNotSupportedException(string servedModelName)
    : Exception($"Model \"{servedModelName}\" does not support the embeddings API.");

namespace Inference.Hub;

/// <summary>A model that cannot be found or fetched; the message names the repository and what to do.</summary>
public sealed class HubException(string message, Exception? inner = null) : Exception(message, inner);

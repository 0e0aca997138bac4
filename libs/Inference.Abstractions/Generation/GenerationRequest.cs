namespace Inference.Abstractions.Generation;

/// <param name="RequestId">Caller-chosen id, unique among live requests; null assigns one.</param>
/// <param name="Priority">Under priority scheduling a lower value runs first (vLLM's rule); ignored under FCFS.</param>
public sealed record GenerationRequest(string? RequestId, Prompt Prompt, GenerationParams Params, int Priority = 0);

namespace Inference.Abstractions.Generation;

/// <param name="RequestId">Caller-chosen id, unique among live requests; null assigns one.</param>
/// <param name="Priority">Higher runs first under priority scheduling; ignored under FCFS.</param>
public sealed record GenerationRequest(string? RequestId, Prompt Prompt, GenerationParams Params, int Priority = 0);

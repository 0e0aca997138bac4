namespace Gateway.Backends;

/// <summary>One generation, as the OpenAI endpoints hand it to the scheduler.</summary>
/// <param name="RequestId">Id shown to the client and used by the scheduler for logs and aborts.</param>
/// <param name="Prompt">What to continue.</param>
/// <param name="Sampling">How to generate.</param>
/// <param name="Priority">Higher runs first under priority scheduling.</param>
public sealed record GenerationRequest(string RequestId, PromptInput Prompt, SamplingOptions Sampling, int Priority);

namespace Inference.Abstractions.Execution;

/// <summary>
/// One engine step as the scheduler hands it to an executor, shaped like vLLM's SchedulerOutput:
/// requests new to the executor come in full, running ones as diffs, finished ones by id.
/// </summary>
/// <param name="StepId">Increases by one per step.</param>
/// <param name="NewRequests">Requests the executor has not seen (or resumed after preemption).</param>
/// <param name="CachedRequests">Requests the executor holds, with what changed.</param>
/// <param name="FinishedRequestIds">Requests to forget before the step runs.</param>
public sealed record StepPlan(
    long StepId,
    IReadOnlyList<NewRequestData> NewRequests,
    IReadOnlyList<CachedRequestData> CachedRequests,
    IReadOnlyList<string> FinishedRequestIds)
{
    public int TotalScheduledTokens =>
        NewRequests.Sum(r => r.NumScheduledTokens) + CachedRequests.Sum(r => r.NumScheduledTokens);
}

/// <param name="RequestId">Engine-wide unique id.</param>
/// <param name="TokenIds">All known tokens: the prompt, plus earlier output when resumed.</param>
/// <param name="NumPromptTokens">Where the prompt ends within TokenIds.</param>
/// <param name="Sampling">How to sample this request's tokens.</param>
/// <param name="BlockIds">KV blocks of the request, in order.</param>
/// <param name="NumComputedTokens">Tokens whose KV already sits in those blocks (prefix-cache hits).</param>
/// <param name="NumScheduledTokens">Tokens to run this step, starting at NumComputedTokens.</param>
/// <param name="Pooling">Set for an embedding request (Sampling is then ignored): the step that computes its last token
/// answers a <see cref="PooledOutput"/> instead of a sampled token, and it is never scheduled again.</param>
/// <param name="LoraName">The LoRA adapter (<see cref="ExecutorInfo.LoraAdapters"/>) applied to every token of the
/// request; null: the base model alone.</param>
/// <param name="PromptEmbeds">Set when the prompt was given as input embeddings (vLLM's prompt_embeds): NumPromptTokens
/// rows of <see cref="ExecutorInfo.HiddenSize"/> values, row-major, which the model reads in place of looking the prompt's
/// tokens up; those tokens are then placeholders, neither looked up nor counted by penalties.</param>
public sealed record NewRequestData(
    string RequestId,
    IReadOnlyList<int> TokenIds,
    int NumPromptTokens,
    SamplingParams Sampling,
    IReadOnlyList<int> BlockIds,
    int NumComputedTokens,
    int NumScheduledTokens,
    PoolingParams? Pooling = null,
    string? LoraName = null,
    float[]? PromptEmbeds = null);

/// <param name="RequestId">A request the executor already holds.</param>
/// <param name="NewBlockIds">Blocks appended to its block list this step.</param>
/// <param name="NumComputedTokens">Tokens computed before this step (a consistency check).</param>
/// <param name="NumScheduledTokens">Tokens to run; for decode 1, the executor's last sampled token.</param>
/// <param name="Sampling">Replacement sampling parameters, or null when unchanged.</param>
/// <param name="DraftTokenIds">Speculative decoding: tokens proposed to follow the executor's last sampled one; the step
/// runs that token and these (NumScheduledTokens = 1 + their count) and samples at each, and the executor answers the
/// drafts it accepts, in order, then the token it sampled where the first rejected one stood (or after the last). Null
/// or empty: an ordinary step.</param>
public sealed record CachedRequestData(
    string RequestId,
    IReadOnlyList<int> NewBlockIds,
    int NumComputedTokens,
    int NumScheduledTokens,
    SamplingParams? Sampling = null,
    IReadOnlyList<int>? DraftTokenIds = null)
{
    /// <summary>How many draft tokens the step verifies (0 for an ordinary step).</summary>
    public int NumDraftTokens => DraftTokenIds?.Count ?? 0;
}

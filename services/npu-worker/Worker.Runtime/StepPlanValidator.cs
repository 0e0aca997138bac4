using Inference.Abstractions.Execution;

namespace Worker.Runtime;

/// <summary>
/// Checks a whole StepPlan against the worker's state before anything changes, so a rejected plan
/// leaves every request as it was. Errors are ArgumentException naming the request, field and limit.
/// </summary>
/// <param name="pooling">How the model embeds; null refuses embedding requests.</param>
/// <param name="samples">The model has an LM head; false (a classifier) refuses requests that sample.</param>
/// <param name="hiddenSize">The width of a prompt embedding row.</param>
internal sealed class StepPlanValidator(int vocabSize, int numBlocks, int blockSize, int maxModelLength, PoolingInfo? pooling, bool samples = true, int hiddenSize = 0)
{
    /// <param name="loraNames">The adapters a new request may name: the step's one view of them (adapters load and
    /// unload while the worker runs).</param>
    public void Validate(StepPlan plan, IReadOnlyDictionary<string, RequestState> held, IReadOnlySet<string> loraNames)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in plan.NewRequests)
        {
            string id = r.RequestId;
            Require(!string.IsNullOrEmpty(id), "new_requests: request_id must not be empty");
            Require(seen.Add(id), $"request {id}: appears more than once in the step");
            Require(!held.ContainsKey(id), $"request {id}: is already held by the worker; list it in finished_request_ids before resending it as new");
            Require(r.TokenIds.Count > 0, $"request {id}: token_ids must not be empty");
            Require(r.TokenIds.Count <= maxModelLength, $"request {id}: {r.TokenIds.Count} tokens exceed max_model_len {maxModelLength}");
            for (int i = 0; i < r.TokenIds.Count; i++)
            {
                Require((uint)r.TokenIds[i] < (uint)vocabSize, $"request {id}: token_ids[{i}] = {r.TokenIds[i]} is outside [0, {vocabSize})");
            }

            Require(r.NumPromptTokens >= 0 && r.NumPromptTokens <= r.TokenIds.Count,
                $"request {id}: num_prompt_tokens must be in [0, {r.TokenIds.Count}], got {r.NumPromptTokens}");
            Require(r.NumComputedTokens >= 0, $"request {id}: num_computed_tokens must be >= 0, got {r.NumComputedTokens}");
            CheckScheduled(id, r.NumComputedTokens, r.NumScheduledTokens, r.TokenIds.Count);
            CheckBlocks(id, r.BlockIds, r.BlockIds.Count, r.NumComputedTokens + r.NumScheduledTokens);
            Require(r.LoraName is null || loraNames.Contains(r.LoraName),
                $"request {id}: lora_name '{r.LoraName}' is not an adapter this worker loaded ({(loraNames.Count == 0 ? "it loaded none" : string.Join(", ", loraNames.Order(StringComparer.Ordinal)))})");
            if (r.PromptEmbeds is { } embeds)
            {
                Require(r.Pooling is null, $"request {id}: prompt_embeds is for requests that sample, not pooling ones");
                Require(r.NumPromptTokens >= 1 && embeds.Length == (long)r.NumPromptTokens * hiddenSize,
                    $"request {id}: prompt_embeds holds {embeds.Length} values, not num_prompt_tokens ({r.NumPromptTokens}) rows of the hidden size {hiddenSize}");
            }

            if (r.Pooling is not null)
            {
                // Its sampling is ignored, so it is not checked either.
                CheckPooling(id, r.Pooling, r.NumComputedTokens, r.TokenIds.Count);
            }
            else
            {
                Require(samples, $"request {id}: this model is a sequence classifier with no LM head; it answers pooling requests only");
                CheckSampling(id, r.Sampling);
            }
        }

        foreach (var r in plan.CachedRequests)
        {
            string id = r.RequestId;
            Require(seen.Add(id), $"request {id}: appears more than once in the step");
            Require(held.TryGetValue(id, out var state), $"request {id}: unknown to the worker (never sent as new, or already finished)");
            Require(!state!.Pooled,
                $"request {id}: is an embedding request whose embedding was already computed; it is never scheduled again, only listed in finished_request_ids");
            Require(r.NumComputedTokens == state.NumComputedTokens,
                $"request {id}: num_computed_tokens is {r.NumComputedTokens} but the worker has computed {state.NumComputedTokens}");
            CheckScheduled(id, r.NumComputedTokens, r.NumScheduledTokens, state.Tokens.Count + r.NumDraftTokens);
            CheckBlocks(id, r.NewBlockIds, state.BlockIds.Count + r.NewBlockIds.Count, r.NumComputedTokens + r.NumScheduledTokens);
            if (r.Sampling is not null && state.Pooling is null)
            {
                CheckSampling(id, r.Sampling);
            }

            if (r.NumDraftTokens > 0)
            {
                CheckDrafts(id, r, state);
            }
        }
    }

    /// <summary>Draft tokens follow a decode (the last known token and the drafts all run) and fit the model.</summary>
    private void CheckDrafts(string id, CachedRequestData r, RequestState state)
    {
        var drafts = r.DraftTokenIds!;
        Require(state.Pooling is null, $"request {id}: an embedding request takes no draft_token_ids");
        Require(r.NumComputedTokens == state.Tokens.Count - 1 && r.NumScheduledTokens == drafts.Count + 1,
            $"request {id}: draft_token_ids follow a decode: num_computed_tokens must be {state.Tokens.Count - 1} and num_scheduled_tokens {drafts.Count + 1}, got {r.NumComputedTokens} and {r.NumScheduledTokens}");
        Require(state.Tokens.Count + drafts.Count <= maxModelLength,
            $"request {id}: {state.Tokens.Count} tokens and {drafts.Count} draft tokens exceed max_model_len {maxModelLength}");
        for (int i = 0; i < drafts.Count; i++)
        {
            Require((uint)drafts[i] < (uint)vocabSize, $"request {id}: draft_token_ids[{i}] = {drafts[i]} is outside [0, {vocabSize})");
        }

    }

    private void CheckScheduled(string id, int computed, int scheduled, int known)
    {
        Require(scheduled >= 0, $"request {id}: num_scheduled_tokens must be >= 0, got {scheduled}");
        Require(computed + scheduled <= known,
            $"request {id}: num_computed_tokens {computed} + num_scheduled_tokens {scheduled} exceeds the {known} known tokens");
    }

    private void CheckBlocks(string id, IReadOnlyList<int> blockIds, int totalBlocks, int tokensAfterStep)
    {
        foreach (int block in blockIds)
        {
            Require((uint)block < (uint)numBlocks, $"request {id}: block id {block} is outside [0, {numBlocks})");
        }

        int needed = (tokensAfterStep + blockSize - 1) / blockSize;
        Require(totalBlocks >= needed,
            $"request {id}: {tokensAfterStep} tokens need {needed} blocks of {blockSize}, but the request has {totalBlocks}");
    }

    /// <summary>The model embeds, the dimensions fit its embedding size, the last token is still to run (it finishes the
    /// embedding), and a pooling that reads more than the last token has every position to run.</summary>
    private void CheckPooling(string id, PoolingParams p, int computed, int known)
    {
        Require(pooling is not null, $"request {id}: pooling is set but this model embeds nothing");
        Require(p.Dimensions is null || (p.Dimensions >= 1 && p.Dimensions <= pooling!.HiddenSize),
            $"request {id}: pooling dimensions must be in [1, {pooling?.HiddenSize}], got {p.Dimensions}");
        Require(computed < known,
            $"request {id}: num_computed_tokens {computed} leaves none of its {known} tokens to run; an embedding request's last token must run");
        Require(computed == 0 || !pooling!.NeedsWholePrompt,
            $"request {id}: num_computed_tokens is {computed}, but {pooling?.Mode} pooling reads every prompt position, so the prompt must run from position 0");
    }

    private void CheckSampling(string id, SamplingParams p)
    {
        Require(float.IsFinite(p.Temperature) && p.Temperature >= 0, $"request {id}: temperature must be >= 0, got {p.Temperature}");
        Require(!float.IsNaN(p.TopP), $"request {id}: top_p must be a number");
        Require(float.IsFinite(p.MinP) && p.MinP is >= 0 and <= 1, $"request {id}: min_p must be in [0, 1], got {p.MinP}");
        Require(float.IsFinite(p.RepetitionPenalty) && p.RepetitionPenalty >= 0, $"request {id}: repetition_penalty must be >= 0, got {p.RepetitionPenalty}");
        Require(float.IsFinite(p.PresencePenalty), $"request {id}: presence_penalty must be finite");
        Require(float.IsFinite(p.FrequencyPenalty), $"request {id}: frequency_penalty must be finite");
        Require(p.Logprobs >= 0 && p.Logprobs <= vocabSize, $"request {id}: logprobs must be in [0, {vocabSize}], got {p.Logprobs}");
        if (p.BannedTokenIds is not null)
        {
            foreach (int banned in p.BannedTokenIds)
            {
                Require((uint)banned < (uint)vocabSize, $"request {id}: banned token id {banned} is outside [0, {vocabSize})");
            }
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}

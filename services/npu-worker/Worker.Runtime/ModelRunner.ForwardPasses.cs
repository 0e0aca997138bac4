using Inference.Abstractions.Execution;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Sampling;

namespace Worker.Runtime;

/// <summary>A step's scheduled tokens as forward passes, and what each pass's logits and hidden rows turn into.</summary>
public sealed partial class ModelRunner
{
    /// <summary>A request's tokens scheduled this step: positions Next .. End-1 are still to run; with
    /// <paramref name="Drafts"/>, its last known token and then those (speculative decoding).</summary>
    private readonly record struct ScheduledRun(RequestState State, int Next, int End, IReadOnlyList<int>? Drafts = null);

    /// <summary>An embedding request's hidden rows in a pass: <paramref name="Count"/> positions from <paramref name="FirstPosition"/>
    /// (none, for a chunk whose positions its pooling does not read); <paramref name="Finishes"/>: the pass computes its last token.</summary>
    private readonly record struct PooledRows(RequestState State, int FirstPosition, int Count, bool Finishes);

    /// <summary>
    /// Lays out the next forward pass from the scheduled tokens not yet run, and says whether there is one. A request
    /// with prompt logprobs needs logits at each of its prompt positions but the last (vocabulary-sized rows); a pass
    /// holds at most <see cref="ModelRunnerOptions.MaxPromptLogprobRows"/> of them, and the rest of such a request's
    /// tokens wait for the next pass (its KV from this pass is in the cache by then, so the result is the same as
    /// one pass). Every other request runs whole in the first pass. An embedding request asks for the final-normed
    /// hidden states its pooling reads (the last token's, the first's, or every one) instead of logits.
    /// </summary>
    private bool NextForwardPass()
    {
        _batch.Clear();
        _logitRows.Clear();
        _pooledRows.Clear();
        int rowsLeft = _maxPromptLogprobRows;
        for (int i = 0; i < _runs.Count; i++)
        {
            var (state, next, end, drafts) = _runs[i];
            if (next == end)
            {
                continue;
            }

            if (drafts is not null)
            {
                AddDraftVerification(state, next, drafts);
                _runs[i] = _runs[i] with { Next = end };
                continue;
            }

            // Positions whose logits score the next prompt token: next .. lastScored-1.
            int lastScored = state.Sampling.Parameters.PromptLogprobs is null ? next : Math.Clamp(state.NumPromptTokens - 1, next, end);
            int scored = lastScored - next;
            if (scored > rowsLeft)
            {
                if (rowsLeft == 0)
                {
                    continue;
                }

                end = next + rowsLeft;
                lastScored = end;
                scored = rowsLeft;
            }

            rowsLeft -= scored;
            _batch.AddSequence(state.BlockIds, state.Lora);
            var (pooledFirst, pooledCount) = state.Pooler is { } pooler
                ? HiddenStatePooler.RowsNeeded(pooler.Mode, next, end, state.Tokens.Count)
                : (0, 0);
            int row = -1;
            for (int position = next; position < end; position++)
            {
                row = _batch.AddToken(state.Tokens[position], position, Info.BlockSize, state.InputEmbedding(position, _config.HiddenSize));
                if (position < lastScored)
                {
                    _batch.RequestLogits(row);
                    _logitRows.Add(new LogitRow(state, position, false));
                }

                if (position >= pooledFirst && position < pooledFirst + pooledCount)
                {
                    _batch.RequestHidden(row);
                }
            }

            state.NumComputedTokens = end;
            _runs[i] = _runs[i] with { Next = end };
            if (state.Pooling is not null)
            {
                bool finishes = end == state.Tokens.Count;
                _pooledRows.Add(new PooledRows(state, pooledFirst, pooledCount, finishes));
                state.Pooled = finishes;
            }
            else if (end == state.Tokens.Count)
            {
                _batch.RequestLogits(row);
                _logitRows.Add(new LogitRow(state, end - 1, true));
            }
        }

        if (_batch.TokenCount == 0)
        {
            _runs.Clear();
            return false;
        }

        return true;
    }

    /// <summary>
    /// A decode with draft tokens (speculative decoding): the last known token at <paramref name="position"/>, then the
    /// drafts after it, each position asking for logits, so that one pass scores the token after each (the validator
    /// checked that the request decodes and that the drafts fit). The KV written for drafts that turn out
    /// rejected is overwritten by later steps: the computed count is set back after verification (<see cref="ReadLogits"/>).
    /// </summary>
    private void AddDraftVerification(RequestState state, int position, IReadOnlyList<int> drafts)
    {
        _batch.AddSequence(state.BlockIds, state.Lora);
        for (int j = 0; j <= drafts.Count; j++)
        {
            int row = _batch.AddToken(j == 0 ? state.Tokens[position] : drafts[j - 1], position + j, Info.BlockSize);
            _batch.RequestLogits(row);
            _logitRows.Add(new LogitRow(state, position + j, true, drafts, j));
        }

        state.NumComputedTokens = position + drafts.Count + 1;
    }

    /// <summary>
    /// Verifies a request's drafts from its rows starting at <paramref name="first"/>: samples the token after the last
    /// known one under the request's sampling, accepts it, and goes on to the next row while that token equals the draft
    /// there, so the tokens are exactly those decoding one at a time would give: each row sees the logits, penalty history
    /// and grammar mask (filled when the row is sampled) of the tokens accepted before it, and a drawn token takes the
    /// request's generator's next number, as it would decoding one token a step, so a seeded request draws the same
    /// tokens too. (Against a one-token draft, "draw and compare" is speculative sampling's rule: the draft is kept with
    /// its probability, and a rejection yields a draw from the rest of the distribution.) Returns the rows it spans.
    /// </summary>
    private int VerifyDrafts(ReadOnlySpan<float> logits, int first, List<SampledToken> sampled)
    {
        var (state, _, _, drafts, _) = _logitRows[first];
        for (int j = 0; ; j++)
        {
            var output = _logitRowsWork.SampleNow(logits, first + j, state.Sampling);
            state.Tokens.Add(output.TokenId);
            state.Sampling.AddOutputToken(output.TokenId);
            sampled.Add(new SampledToken(state.Id, output.TokenId, output.Logprob, output.TopLogprobs));
            if (j == drafts!.Count || output.TokenId != drafts[j])
            {
                break;
            }
        }

        // Only the positions of accepted tokens hold valid KV: the newest token, as after any decode, is not computed yet.
        state.NumComputedTokens = state.Tokens.Count - 1;
        return drafts.Count + 1;
    }

    /// <summary>Turns the pass's logits rows into sampled tokens and prompt logprobs (computed in parallel), applied in the order they were requested.</summary>
    private void ReadLogits(
        ReadOnlySpan<float> logits, List<SampledToken> sampled, Dictionary<RequestState, (int FirstPosition, List<PromptTokenLogprob> Entries)> promptLogprobs)
    {
        _logitRowsWork.Compute(logits, _logitRows);
        for (int row = 0; row < _logitRows.Count; row++)
        {
            if (_logitRows[row].DraftIndex == 0)
            {
                row += VerifyDrafts(logits, row, sampled) - 1;
                continue;
            }

            var (state, position, sample, _, _) = _logitRows[row];
            if (!sample)
            {
                if (!promptLogprobs.TryGetValue(state, out var chunk))
                {
                    // A step computes a request's positions in order, so its chunk starts at the first one scored.
                    promptLogprobs[state] = chunk = (position + 1, []);
                }

                chunk.Entries.Add(_logitRowsWork.PromptEntry(row));
                continue;
            }

            var output = _logitRowsWork.Sampled(row);
            state.Tokens.Add(output.TokenId);
            state.Sampling.AddOutputToken(output.TokenId);
            sampled.Add(new SampledToken(state.Id, output.TokenId, output.Logprob, output.TopLogprobs));
        }
    }

    /// <summary>
    /// Hands the pass's hidden rows to the poolers of the embedding requests they belong to, in the order they were
    /// requested, and turns each request whose last token ran into its embedding.
    /// </summary>
    private void ReadPooled(ReadOnlySpan<float> hidden, List<PooledOutput> pooled)
    {
        int h = _config.HiddenSize;
        int row = 0;
        foreach (var (state, firstPosition, count, finishes) in _pooledRows)
        {
            state.Pooler!.Add(hidden.Slice(row * h, count * h), firstPosition);
            row += count;
            if (finishes)
            {
                pooled.Add(new PooledOutput(state.Id, _embedding.Embed(state.Pooler.Result(), state.Pooling!)));
            }
        }
    }
}

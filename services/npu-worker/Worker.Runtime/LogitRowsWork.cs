using Inference.Abstractions.Execution;
using Worker.Runtime.Ops;
using Worker.Runtime.Sampling;

namespace Worker.Runtime;

/// <summary>A row of a forward pass's logits: the request it belongs to, the position it scores, and whether it samples
/// that request's next token (otherwise it scores the prompt's token at Position + 1 for prompt logprobs). Rows that
/// verify draft tokens carry them: row <see cref="DraftIndex"/> j of a request's verification samples the token after
/// its j-th draft (after its last known token for j = 0), and counts only while the drafts before it were accepted.</summary>
internal readonly record struct LogitRow(RequestState State, int Position, bool Sample, IReadOnlyList<int>? Drafts = null, int DraftIndex = -1);

/// <summary>
/// What a forward pass's logits rows turn into (sampled tokens, prompt logprobs), computed on the compute pool's
/// threads one row per chunk, each thread with its own sampler: on one thread a 16-sequence decode step spent 2.7 ms
/// choosing tokens (of 115). Rows under structured output are sampled on the calling thread after the others: their
/// matchers may share a compiled grammar, which is not made for concurrent use. Only the results are computed here; the
/// caller applies them to the requests in row order.
/// </summary>
internal sealed unsafe class LogitRowsWork(ComputeThreadPool pool, int vocabSize) : IParallelWork
{
    private readonly TokenSampler[] _samplers = [.. Enumerable.Range(0, pool.WorkerCount).Select(_ => new TokenSampler(vocabSize))];
    private List<LogitRow> _rows = [];
    private float* _logits;
    private SamplerOutput[] _sampled = [];
    private PromptTokenLogprob[] _promptEntries = [];

    /// <summary>The token sampled from row <paramref name="row"/> of the last <see cref="Compute"/>.</summary>
    public SamplerOutput Sampled(int row) => _sampled[row];

    /// <summary>
    /// Samples row <paramref name="row"/> of the last <see cref="Compute"/> now, on the calling thread, under the request's
    /// sampling state as it is now: <see cref="Compute"/> leaves draft-verification rows to this, since each depends on
    /// the tokens accepted before it.
    /// </summary>
    public SamplerOutput SampleNow(ReadOnlySpan<float> logits, int row, SequenceSamplingState state) =>
        _samplers[0].Sample(logits.Slice(row * vocabSize, vocabSize), state);

    /// <summary>The prompt logprob entry of row <paramref name="row"/> of the last <see cref="Compute"/>.</summary>
    public PromptTokenLogprob PromptEntry(int row) => _promptEntries[row];

    public void Compute(ReadOnlySpan<float> logits, List<LogitRow> rows)
    {
        if (_sampled.Length < rows.Count)
        {
            _sampled = new SamplerOutput[rows.Count];
            _promptEntries = new PromptTokenLogprob[rows.Count];
        }

        fixed (float* start = logits)
        {
            _logits = start;
            _rows = rows;
            try
            {
                pool.Run(this, rows.Count);
                for (int row = 0; row < rows.Count; row++)
                {
                    if (rows[row].Sample && rows[row].DraftIndex < 0 && rows[row].State.Sampling.ActiveGrammar is not null)
                    {
                        _sampled[row] = _samplers[0].Sample(Row(row), rows[row].State.Sampling);
                    }
                }
            }
            finally
            {
                _logits = null;
                _rows = [];
            }
        }
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        var (state, position, sample, _, draftIndex) = _rows[chunkIndex];
        if (draftIndex >= 0)
        {
            // Sampled in order by the caller (SampleNow), each under the tokens accepted before it.
            return;
        }

        if (!sample)
        {
            // The logits at position p - 1 score the prompt's token p.
            _promptEntries[chunkIndex] = PromptLogprobCalculator.Compute(
                Row(chunkIndex), state.Tokens[position + 1], state.Sampling.Parameters.PromptLogprobs ?? 0);
        }
        else if (state.Sampling.ActiveGrammar is null)
        {
            _sampled[chunkIndex] = _samplers[workerIndex].Sample(Row(chunkIndex), state.Sampling);
        }
    }

    private ReadOnlySpan<float> Row(int row) => new(_logits + (long)row * vocabSize, vocabSize);
}

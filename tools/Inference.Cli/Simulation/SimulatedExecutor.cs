using Inference.Abstractions.Execution;

namespace Inference.Cli.Simulation;

/// <summary>
/// A worker without a model: it keeps each request's counts as a real worker keeps its state (tokens known,
/// tokens computed, blocks), checks every plan against them like the test fake does, samples
/// <see cref="SimulatedModel.TokenAt"/>, and reports the step's simulated duration from the cost model as its
/// timings. It never stores token ids, so 100k long requests cost little memory.
/// </summary>
internal sealed class SimulatedExecutor(ExecutorInfo info, CostModel cost) : IStepExecutor
{
    private readonly Dictionary<string, RequestState> _requests = [];

    public ExecutorInfo Info { get; } = info;

    /// <summary>Requests whose state the worker holds now.</summary>
    public int NumHeldRequests => _requests.Count;

    public Task<StepResult> ExecuteAsync(StepPlan plan, CancellationToken cancellationToken) => Task.FromResult(Execute(plan));

    public StepResult Execute(StepPlan plan)
    {
        foreach (var id in plan.FinishedRequestIds)
        {
            _requests.Remove(id);
        }

        var sampled = new List<SampledToken>(plan.NewRequests.Count + plan.CachedRequests.Count);
        int prefillTokens = 0, decodeSequences = 0;
        foreach (var n in plan.NewRequests)
        {
            var state = new RequestState(n.Sampling.Seed ?? 0, n.TokenIds.Count, n.NumPromptTokens, n.BlockIds.Count, n.NumComputedTokens);
            _requests.Add(n.RequestId, state);
            Run(n.RequestId, state, n.NumScheduledTokens, sampled, ref prefillTokens, ref decodeSequences);
        }

        foreach (var c in plan.CachedRequests)
        {
            if (!_requests.TryGetValue(c.RequestId, out var state))
            {
                throw new InvalidOperationException($"{c.RequestId}: the plan continues a request the worker does not hold");
            }

            if (state.NumComputed != c.NumComputedTokens)
            {
                throw new InvalidOperationException($"{c.RequestId}: worker has {state.NumComputed} computed, plan says {c.NumComputedTokens}");
            }

            state.NumBlocks += c.NewBlockIds.Count;
            Run(c.RequestId, state, c.NumScheduledTokens, sampled, ref prefillTokens, ref decodeSequences);
        }

        var nanoseconds = (long)(cost.StepSeconds(prefillTokens, decodeSequences) * 1e9);
        return new StepResult(plan.StepId, sampled, new StepTimings(nanoseconds, 0, nanoseconds), prefillTokens + decodeSequences);
    }

    private void Run(string requestId, RequestState state, int numScheduled, List<SampledToken> sampled, ref int prefillTokens, ref int decodeSequences)
    {
        // One token at a position past the prompt whose input is the last sampled token is a decode; anything
        // else (a prompt chunk, or a resumed request's recompute) is prefill work.
        if (numScheduled == 1 && state.NumComputed >= state.NumPromptTokens && state.NumComputed == state.NumTokens - 1)
        {
            decodeSequences++;
        }
        else
        {
            prefillTokens += numScheduled;
        }

        state.NumComputed += numScheduled;
        if (state.NumComputed > state.NumTokens)
        {
            throw new InvalidOperationException($"{requestId}: scheduled past the known tokens");
        }

        if ((long)state.NumBlocks * Info.BlockSize < state.NumComputed)
        {
            throw new InvalidOperationException($"{requestId}: {state.NumComputed} tokens do not fit {state.NumBlocks} blocks");
        }

        if (state.NumComputed == state.NumTokens)
        {
            var token = SimulatedModel.TokenAt(state.Seed, state.NumTokens);
            state.NumTokens++;
            sampled.Add(new SampledToken(requestId, token, 0f, []));
        }
    }

    private sealed class RequestState(ulong seed, int numTokens, int numPromptTokens, int numBlocks, int numComputed)
    {
        public ulong Seed { get; } = seed;
        public int NumTokens { get; set; } = numTokens;
        public int NumPromptTokens { get; } = numPromptTokens;
        public int NumBlocks { get; set; } = numBlocks;
        public int NumComputed { get; set; } = numComputed;
    }
}

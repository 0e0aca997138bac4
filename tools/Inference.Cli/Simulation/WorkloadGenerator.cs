namespace Inference.Cli.Simulation;

/// <summary>
/// Produces the workload's requests in arrival order, on demand, from one seeded generator, so a run with 100k
/// requests holds only the recent ones (the candidates for a follow-up turn) in memory. Fixed system prompts
/// make prefix sharing real: requests that start with the same one share block hashes; everything else is random.
/// </summary>
internal sealed class WorkloadGenerator
{
    private readonly WorkloadOptions _options;
    private readonly int _maxModelLength;
    private readonly Random _random;
    private readonly int[][] _systemPrompts;
    private readonly List<SimulatedRequest> _recent = [];
    private double _clock;
    private int _next;

    public WorkloadGenerator(WorkloadOptions options, int maxModelLength)
    {
        _options = options;
        _maxModelLength = maxModelLength;
        _random = new Random(options.Seed);
        _systemPrompts = new int[options.SystemPrompts][];
        for (var i = 0; i < _systemPrompts.Length; i++)
        {
            _systemPrompts[i] = RandomTokens(options.SystemPromptTokens);
        }
    }

    public IReadOnlyList<int[]> SystemPrompts => _systemPrompts;

    public bool HasNext => _next < _options.Requests;

    public SimulatedRequest Next()
    {
        if (!HasNext)
        {
            throw new InvalidOperationException($"The workload has only {_options.Requests} requests.");
        }

        // Poisson arrivals: exponential gaps.
        _clock += -Math.Log(1.0 - _random.NextDouble()) / _options.ArrivalRate;
        ForgetOlderThan(_clock - WorkloadOptions.ConversationWindow.TotalSeconds);

        var userTokens = LogNormalLength(_options.PromptTokens);
        var outputTokens = LogNormalLength(_options.OutputTokens);
        var seed = (ulong)_random.NextInt64();
        int[]? prompt = null;
        var isFollowUp = false;
        if (_recent.Count > 0 && _random.NextDouble() < _options.MultiTurnShare)
        {
            var parent = _recent[_random.Next(_recent.Count)];
            var history = parent.PromptTokenIds.Length + parent.OutputTokens;

            // A conversation that would outgrow the model's length starts over instead.
            if (history + userTokens + outputTokens <= _maxModelLength)
            {
                prompt = [.. parent.ConversationSoFar(), .. RandomTokens(userTokens)];
                isFollowUp = true;
            }
        }

        if (prompt is null)
        {
            var system = _random.NextDouble() < _options.SharedPrefixShare ? _systemPrompts[_random.Next(_systemPrompts.Length)] : [];
            userTokens = Math.Min(userTokens, _maxModelLength - 1 - system.Length);
            prompt = [.. system, .. RandomTokens(userTokens)];
            outputTokens = Math.Min(outputTokens, _maxModelLength - prompt.Length);
        }

        var request = new SimulatedRequest(_next++, _clock, prompt, outputTokens, seed, isFollowUp);
        _recent.Add(request);
        return request;
    }

    /// <summary>Drops requests too old to be continued. The list holds one window of arrivals (hundreds), so
    /// trimming its front is cheap, and it keeps random picks O(1).</summary>
    private void ForgetOlderThan(double seconds)
    {
        var forgotten = 0;
        while (forgotten < _recent.Count && _recent[forgotten].ArrivalSeconds < seconds)
        {
            forgotten++;
        }

        _recent.RemoveRange(0, forgotten);
    }

    /// <summary>A lognormal length with the given mean, at least 1 token.</summary>
    private int LogNormalLength(double mean)
    {
        const double sigma = WorkloadOptions.LengthSigma;
        var mu = Math.Log(mean) - sigma * sigma / 2;

        // Box-Muller: one standard normal from two uniforms.
        var normal = Math.Sqrt(-2.0 * Math.Log(1.0 - _random.NextDouble())) * Math.Cos(2.0 * Math.PI * _random.NextDouble());
        return (int)Math.Clamp(Math.Round(Math.Exp(mu + sigma * normal)), 1, int.MaxValue / 4);
    }

    private int[] RandomTokens(int count)
    {
        var tokens = new int[count];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = _random.Next(SimulatedModel.OrdinaryTokens);
        }

        return tokens;
    }
}

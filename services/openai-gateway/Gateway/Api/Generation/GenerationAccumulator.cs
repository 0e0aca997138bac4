using System.Text;
using Gateway.Backends;

namespace Gateway.Api.Generation;

/// <summary>Collects a request's updates into the whole answer.</summary>
public sealed class GenerationAccumulator
{
    private readonly StringBuilder _text = new();
    private readonly List<GeneratedToken> _tokens = [];

    public string Text => _text.ToString();

    public IReadOnlyList<GeneratedToken> Tokens => _tokens;

    public FinishReason? Finish { get; private set; }

    public string? StopReason { get; private set; }

    public GenerationUsage? Usage { get; private set; }

    /// <summary>The prompt's ids, from the first update (only choice 0 of a prompt has them).</summary>
    public IReadOnlyList<int>? PromptTokenIds { get; private set; }

    /// <summary>The prompt logprobs, when asked for (only choice 0 of a prompt has them).</summary>
    public IReadOnlyList<Inference.Abstractions.Execution.PromptTokenLogprob>? PromptLogprobs { get; private set; }

    public void Add(GenerationOutput update)
    {
        _text.Append(update.TextDelta);
        _tokens.AddRange(update.NewTokens);
        Finish ??= update.Finish;
        StopReason ??= update.StopReason;
        Usage ??= update.Usage;
        PromptTokenIds ??= update.PromptTokenIds;
        PromptLogprobs ??= update.PromptLogprobs;
    }

    /// <summary>The scheduler promises a finish reason and usage on its last response; a stream without them was cut.</summary>
    public (FinishReason Finish, GenerationUsage Usage) RequireFinished() =>
        Finish is { } finish
            ? (finish, Usage ?? new GenerationUsage(0, _tokens.Count, 0))
            : throw new InvalidOperationException("The scheduler ended the stream without a finish reason.");
}

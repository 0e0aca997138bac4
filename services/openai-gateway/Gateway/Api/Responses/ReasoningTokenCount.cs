using Gateway.Backends;

namespace Gateway.Api.Responses;

/// <summary>
/// usage.output_tokens_details.reasoning_tokens: the generated tokens up to the update whose text completes
/// <c>&lt;/think&gt;</c> (all of them when the block never closed), counted from the scheduler's updates as they
/// arrive, each with its text and its tokens.
/// </summary>
public sealed class ReasoningTokenCount
{
    private const string ReasoningEnd = "</think>";

    private readonly List<(int TextEnd, int Tokens)> _updates = [];
    private int _text;
    private int _tokens;

    public void Add(GenerationOutput update)
    {
        _text += update.TextDelta.Length;
        _tokens += update.NewTokens.Count;
        _updates.Add((_text, _tokens));
    }

    /// <summary>The reasoning's tokens in <paramref name="answer"/> (the updates' text put together), or 0 when it has none.</summary>
    public int Of(string answer, bool hasReasoning)
    {
        if (!hasReasoning)
        {
            return 0;
        }

        var end = answer.IndexOf(ReasoningEnd, StringComparison.Ordinal);
        if (end < 0)
        {
            return _tokens;
        }

        end += ReasoningEnd.Length;
        return _updates.First(u => u.TextEnd >= end).Tokens;
    }
}

using Gateway.Api.Json;
using Gateway.Backends;

namespace Gateway.Api.Generation;

/// <summary>
/// vLLM's <c>stream_options.continuous_usage_stats</c>: every streamed chunk carries the usage of its choice so far,
/// its prompt's tokens and the tokens that choice has generated (0 in the chunks before its first token).
/// </summary>
/// <param name="choicesPerPrompt">n: choice i answers prompt i / n (completions take several prompts; chat one).</param>
public sealed class ChunkUsage(int choicesPerPrompt)
{
    private readonly Dictionary<int, int> _promptTokens = [];
    private readonly Dictionary<int, int> _completionTokens = [];

    /// <summary>Records the prompt's length from an update that carries its ids (each completion's first does).</summary>
    public void NotePrompt(int choice, GenerationOutput update)
    {
        if (update.PromptTokenIds is { } ids)
        {
            _promptTokens[choice / choicesPerPrompt] = ids.Count;
        }
    }

    /// <summary>Counts an update's new tokens for its choice (and notes its prompt).</summary>
    public void Add(int choice, GenerationOutput update)
    {
        NotePrompt(choice, update);
        _completionTokens[choice] = _completionTokens.GetValueOrDefault(choice) + update.NewTokens.Count;
    }

    /// <summary>The usage a chunk of <paramref name="choice"/> carries now.</summary>
    public UsageDto For(int choice)
    {
        var prompt = _promptTokens.GetValueOrDefault(choice / choicesPerPrompt);
        var completion = _completionTokens.GetValueOrDefault(choice);
        return new UsageDto(prompt, completion, prompt + completion, null);
    }
}

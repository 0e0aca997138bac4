namespace Gateway.Api.Generation;

/// <summary>The n choices of one request, each collected from the updates tagged with its index.</summary>
public sealed class GenerationChoices
{
    private readonly GenerationAccumulator[] _choices;

    public GenerationChoices(int n) => _choices = [.. Enumerable.Range(0, n).Select(_ => new GenerationAccumulator())];

    public IReadOnlyList<GenerationAccumulator> Choices => _choices;

    /// <returns>The choice the update belongs to.</returns>
    public GenerationAccumulator Add(GenerationOutput update)
    {
        if (update.Index < 0 || update.Index >= _choices.Length)
        {
            throw new InvalidOperationException($"The scheduler sent choice {update.Index} of a request with {_choices.Length}.");
        }

        var choice = _choices[update.Index];
        choice.Add(update);
        return choice;
    }

    /// <summary>
    /// Every choice finished. The usage counts the prompt once, as OpenAI does, and the completion tokens of all
    /// choices; cached prompt tokens are the first choice's (the others reuse its blocks).
    /// </summary>
    public (FinishReason Finish, GenerationUsage Usage) RequireFinished()
    {
        var finished = _choices.Select(c => c.RequireFinished()).ToArray();
        var first = finished[0].Usage;
        var usage = new GenerationUsage(first.PromptTokens, finished.Sum(f => f.Usage.CompletionTokens), first.CachedPromptTokens,
            finished.Sum(f => f.Usage.PredictionTokens), finished.Sum(f => f.Usage.AcceptedPredictionTokens));
        return (finished[0].Finish, usage);
    }
}

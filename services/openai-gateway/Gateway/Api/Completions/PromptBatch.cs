using System.Threading.Channels;
using Gateway.Api.Generation;

namespace Gateway.Api.Completions;

/// <summary>
/// The generations of one completions request whose <c>prompt</c> lists several prompts: one engine request per
/// prompt, all started before the answer commits (so a refused one still gives an error status), their choices
/// numbered as OpenAI does: prompt p's choice j has index p * n + j.
/// </summary>
public sealed class PromptBatch : IAsyncDisposable
{
    private readonly IReadOnlyList<StartedGeneration> _generations;

    private PromptBatch(IReadOnlyList<StartedGeneration> generations) => _generations = generations;

    /// <summary>The first generation: its id, creation time and model name stand for the whole answer.</summary>
    public StartedGeneration First => _generations[0];

    public int ChoiceCount => _generations.Sum(g => g.N);

    /// <param name="start">Starts the generation of one prompt, given it and its index.</param>
    public static async Task<PromptBatch> StartAsync(IReadOnlyList<Prompt> prompts, Func<Prompt, int, Task<StartedGeneration>> start)
    {
        var started = prompts.Select(start).ToArray();
        try
        {
            return new PromptBatch(await Task.WhenAll(started));
        }
        catch
        {
            // Abort the ones that did start.
            foreach (var task in started.Where(t => t.IsCompletedSuccessfully))
            {
                await task.Result.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Every generation read to the end: the choices in index order and the summed usage.</summary>
    public async Task<(IReadOnlyList<GenerationAccumulator> Choices, GenerationUsage Usage)> ReadToEndAsync()
    {
        var answers = await Task.WhenAll(_generations.Select(g => g.ReadToEndAsync()));
        return ([.. answers.SelectMany(a => a.Choices)], Sum(answers.Select(a => a.Usage)));
    }

    /// <summary>The usage summed over the prompts, once <see cref="ReadAllAsync"/> has read every update.</summary>
    public GenerationUsage? Usage { get; private set; }

    /// <summary>
    /// Every generation's updates as they come, each with its choice index over the whole batch; each generation's
    /// metrics are recorded as it finishes.
    /// </summary>
    public async IAsyncEnumerable<(int Index, GenerationOutput Update)> ReadAllAsync()
    {
        var merged = Channel.CreateUnbounded<(int, GenerationOutput)>(new UnboundedChannelOptions { SingleReader = true });
        var usages = new GenerationUsage[_generations.Count];
        var offsets = _generations.Select((g, p) => _generations.Take(p).Sum(x => x.N)).ToArray();
        var pumps = _generations.Select(async (generation, p) =>
        {
            var choices = new GenerationChoices(generation.N);
            await foreach (var update in generation.Stream.ReadAllAsync())
            {
                choices.Add(update);
                await merged.Writer.WriteAsync((offsets[p] + update.Index, update));
            }

            usages[p] = generation.Finished(choices);
        }).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(
            t => merged.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        await foreach (var item in merged.Reader.ReadAllAsync())
        {
            yield return item;
        }

        Usage = Sum(usages);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var generation in _generations)
        {
            await generation.DisposeAsync();
        }
    }

    private static GenerationUsage Sum(IEnumerable<GenerationUsage> usages)
    {
        var all = usages.ToArray();
        return new GenerationUsage(all.Sum(u => u.PromptTokens), all.Sum(u => u.CompletionTokens), all.Sum(u => u.CachedPromptTokens));
    }
}

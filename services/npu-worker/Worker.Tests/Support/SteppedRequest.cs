using Inference.Abstractions.Execution;
using Worker.Runtime;

namespace Worker.Tests.Support;

/// <summary>
/// One greedy request driven a step at a time, alone in each of its steps, so that a test can change the runner between
/// its steps (start another request, load or unload an adapter). Its blocks, from <paramref name="firstBlock"/> on,
/// hold the prompt and up to <paramref name="maxTokens"/> sampled tokens.
/// </summary>
internal sealed class SteppedRequest(ModelRunner runner, string id, IReadOnlyList<int> prompt, int firstBlock, int maxTokens, string? lora = null)
{
    /// <summary>The tokens sampled so far.</summary>
    public List<int> Tokens { get; } = [];

    /// <summary>Prefills the prompt (the request is new to the runner) and samples the first token.</summary>
    public async Task StartAsync()
    {
        int blocks = (prompt.Count + maxTokens + runner.Info.BlockSize - 1) / runner.Info.BlockSize;
        var request = Steps.NewRequest(id, prompt, [.. Enumerable.Range(firstBlock, blocks)], prompt.Count, lora: lora);
        Tokens.Add(Assert.Single((await Steps.Run(runner, Steps.Plan(0, [request]))).Sampled).TokenId);
    }

    /// <summary>Decodes until <paramref name="count"/> tokens were sampled in all, then frees the request.</summary>
    public async Task FinishAsync(int count)
    {
        Assert.True(count <= maxTokens, $"{count} tokens do not fit the blocks of {maxTokens}");
        while (Tokens.Count < count)
        {
            var step = Steps.Plan(Tokens.Count, cached: [new CachedRequestData(id, [], prompt.Count + Tokens.Count - 1, 1)]);
            Tokens.Add(Assert.Single((await Steps.Run(runner, step)).Sampled).TokenId);
        }

        await Steps.Run(runner, Steps.Plan(count, finished: [id]));
    }
}

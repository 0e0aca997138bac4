using Inference.Abstractions.Execution;
using Worker.Runtime;

namespace Worker.Tests.Support;

/// <summary>Drives a runner the way the scheduler does: blocks 0.. per request, prefill then decodes.</summary>
internal static class Steps
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<StepResult> Run(IStepExecutor runner, StepPlan plan)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await runner.ExecuteAsync(plan, cts.Token).WaitAsync(Timeout);
    }

    /// <summary>Loads a LoRA adapter at run time, as the scheduler does when asked to.</summary>
    public static Task<LoraAdapterInfo> LoadLoraAdapter(IStepExecutor runner, string name, string path) =>
        runner.LoadLoraAdapterAsync(name, path, CancellationToken.None).WaitAsync(Timeout);

    public static Task<bool> UnloadLoraAdapter(IStepExecutor runner, string name) =>
        runner.UnloadLoraAdapterAsync(name, CancellationToken.None).WaitAsync(Timeout);

    public static NewRequestData NewRequest(string id, IReadOnlyList<int> tokens, IReadOnlyList<int> blocks, int scheduled, SamplingParams? sampling = null, int computed = 0,
        string? lora = null) =>
        new(id, tokens, tokens.Count, sampling ?? SamplingParams.Greedy, blocks, computed, scheduled, LoraName: lora);

    /// <summary>An embedding request: its tokens are the prompt; the step that runs the last one answers its embedding.</summary>
    public static NewRequestData EmbedRequest(string id, IReadOnlyList<int> tokens, IReadOnlyList<int> blocks, int scheduled, PoolingParams pooling, int computed = 0) =>
        new(id, tokens, tokens.Count, SamplingParams.Greedy, blocks, computed, scheduled, pooling);

    /// <summary>Embeds the prompt in one step on blocks <paramref name="firstBlock"/>.., then frees the request.</summary>
    public static async Task<float[]> Embed(ModelRunner runner, IReadOnlyList<int> prompt, PoolingParams pooling, int firstBlock = 0)
    {
        var blocks = Enumerable.Range(firstBlock, (prompt.Count + runner.Info.BlockSize - 1) / runner.Info.BlockSize).ToArray();
        var result = await Run(runner, Plan(0, [EmbedRequest("embed", prompt, blocks, prompt.Count, pooling)]));
        await Run(runner, Plan(1, finished: ["embed"]));
        Assert.Empty(result.Sampled);
        var pooled = Assert.Single(result.Pooled ?? []);
        Assert.Equal("embed", pooled.RequestId);
        return pooled.Embedding;
    }

    public static StepPlan Plan(long step, IReadOnlyList<NewRequestData>? added = null, IReadOnlyList<CachedRequestData>? cached = null, IReadOnlyList<string>? finished = null) =>
        new(step, added ?? [], cached ?? [], finished ?? []);

    /// <summary>
    /// Prefills every known token in one step (a resumed request's output included: its first
    /// <paramref name="numPromptTokens"/> are the prompt), then decodes until end-of-sequence; frees the request.
    /// </summary>
    public static async Task<List<int>> GenerateUntilEos(ModelRunner runner, string id, IReadOnlyList<int> tokens, int numPromptTokens,
        SamplingParams sampling, int maxNewTokens)
    {
        int blocks = (tokens.Count + maxNewTokens + runner.Info.BlockSize - 1) / runner.Info.BlockSize;
        var request = new NewRequestData(id, tokens, numPromptTokens, sampling, Enumerable.Range(0, blocks).ToArray(), 0, tokens.Count);
        var output = new List<int> { Assert.Single((await Run(runner, Plan(0, [request]))).Sampled).TokenId };
        try
        {
            while (!runner.Info.EosTokenIds.Contains(output[^1]))
            {
                Assert.True(output.Count < maxNewTokens, $"no end-of-sequence after {maxNewTokens} tokens");
                var step = Plan(output.Count, cached: [new CachedRequestData(id, [], tokens.Count + output.Count - 1, 1)]);
                output.Add(Assert.Single((await Run(runner, step)).Sampled).TokenId);
            }
        }
        finally
        {
            await Run(runner, Plan(-1, finished: [id]));
        }

        return output;
    }

    /// <summary>Prefills the prompt in one step, then decodes until count tokens were sampled (with LoRA adapter <paramref name="lora"/> when set); frees the request.</summary>
    /// <param name="promptEmbeds">The prompt's input embeddings, in place of its tokens' (then placeholders).</param>
    public static async Task<List<SampledToken>> Generate(ModelRunner runner, IReadOnlyList<int> prompt, int count, SamplingParams? sampling = null, int firstBlock = 0,
        string? lora = null, float[]? promptEmbeds = null)
    {
        int blockSize = runner.Info.BlockSize;
        int blocks = (prompt.Count + count + blockSize - 1) / blockSize;
        var blockIds = Enumerable.Range(firstBlock, blocks).ToArray();
        var output = new List<SampledToken>();
        var result = await Run(runner, Plan(0, [NewRequest("gen", prompt, blockIds, prompt.Count, sampling, lora: lora) with { PromptEmbeds = promptEmbeds }]));
        output.Add(Assert.Single(result.Sampled));
        for (int i = 1; i < count; i++)
        {
            int computed = prompt.Count + i - 1;
            result = await Run(runner, Plan(i, cached: [new CachedRequestData("gen", [], computed, 1)]));
            output.Add(Assert.Single(result.Sampled));
        }

        await Run(runner, Plan(count, finished: ["gen"]));
        return output;
    }
}

using Inference.Abstractions.Execution;
using Worker.Runtime.Checkpoints;
using Worker.Tests.Support;
using static Worker.Tests.Support.EmbeddingModelFixture;

namespace Worker.Tests.Models;

/// <summary>
/// A prompt sent as input embeddings (vLLM's prompt_embeds): the model reads the given rows in place of looking the
/// prompt's tokens up, so the prompt's own embedding-table rows sent under placeholder tokens generate exactly what the
/// tokens do; rows of another width, or embeddings on a pooling request, refuse the plan.
/// </summary>
public sealed class PromptEmbedsTests(EmbeddingModelFixture model) : IClassFixture<EmbeddingModelFixture>
{
    [Fact]
    public async Task TheTokensOwnEmbeddingRows_UnderPlaceholders_GenerateWhatTheTokensDo()
    {
        var sampling = SamplingParams.Greedy with { Logprobs = 1 };
        var fromTokens = await Steps.Generate(model.Runner, Prompt, 6, sampling);
        var placeholders = new int[Prompt.Length];
        var fromEmbeds = await Steps.Generate(model.Runner, placeholders, 6, sampling, promptEmbeds: EmbeddingRows(Prompt));
        var placeholdersAlone = await Steps.Generate(model.Runner, placeholders, 6, sampling);

        Assert.Equal(fromTokens.Select(t => (t.TokenId, t.Logprob)), fromEmbeds.Select(t => (t.TokenId, t.Logprob)));
        Assert.NotEqual(fromTokens.Select(t => t.Logprob), placeholdersAlone.Select(t => t.Logprob));
        Assert.Equal(HiddenSize, model.Runner.Info.HiddenSize);
    }

    [Fact]
    public async Task RowsOfAnotherWidth_OrOnAPoolingRequest_RefuseThePlan()
    {
        var rows = EmbeddingRows(Prompt);
        var blocks = new[] { 0, 1, 2 };
        var shortRows = Steps.NewRequest("short", Prompt, blocks, Prompt.Length) with { PromptEmbeds = rows[..^1] };
        var pooling = Steps.EmbedRequest("pool", Prompt, blocks, Prompt.Length, new PoolingParams(Normalize: false)) with { PromptEmbeds = rows };

        var width = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, Steps.Plan(0, [shortRows])));
        var pooled = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(model.Runner, Steps.Plan(1, [pooling])));

        Assert.Contains("prompt_embeds holds", width.Message);
        Assert.Contains("not pooling ones", pooled.Message);
        Assert.Equal(0, model.Runner.NumRequests);
    }

    /// <summary>The embedding table's rows of <paramref name="tokens"/>, as the model looks them up (BF16 to fp32, exact).</summary>
    private float[] EmbeddingRows(IReadOnlyList<int> tokens)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(model.ModelPath);
        var table = checkpoint.Get("model.embed_tokens.weight", VocabSize, HiddenSize);
        var rows = new float[tokens.Count * HiddenSize];
        for (int i = 0; i < tokens.Count; i++)
        {
            table.CopyTo(rows.AsSpan(i * HiddenSize, HiddenSize), (long)tokens[i] * HiddenSize);
        }

        return rows;
    }
}

using System.Text.Json;
using Inference.Abstractions.Execution;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>
/// Fixtures/golden/*.json: Qwen3 (tied with head_dim 32 ≠ hidden/heads; untied with one KV head), Llama (llama3
/// rope scaling; untied F16 in three shards), Qwen2 with YaRN past its original context, and the mixtures of experts
/// Qwen3-MoE (8 experts, 2 per token, renormalized) and Qwen2-MoE (a shared expert, one dense layer), each checked against
/// tools/reference/reference_forward.py (PyTorch, fp32 math over the same weights, written from the transformers
/// definitions). Ids must match exactly and logits within 1e-3; measured when the fixtures were made, the worker's largest
/// difference from the reference over these logits was 5.5e-6, and 5e-6 for the two mixtures of experts (the fixtures round
/// logits to 5 decimals). Fixtures made
/// with --hidden also hold the final-normed hidden state at the last prompt position, which an embedding request answers;
/// checked with the same tolerance, the worker's largest difference there was 1.6e-6 (the fixture rounds to 6 decimals).
/// </summary>
public sealed class ReferenceGoldenTests(ReferenceCheckpoints checkpoints) : IClassFixture<ReferenceCheckpoints>
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in ReferenceCheckpoints.Names)
        {
            int count = ReferenceCheckpoints.Load(name).GetProperty("cases").GetArrayLength();
            for (int i = 0; i < count; i++)
            {
                data.Add(name, i);
            }
        }

        return data;
    }

    /// <summary>The cases whose fixture holds the reference's last hidden state (make_golden.sh's --hidden).</summary>
    public static TheoryData<string, int> HiddenCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in ReferenceCheckpoints.Names)
        {
            var cases = ReferenceCheckpoints.Load(name).GetProperty("cases");
            for (int i = 0; i < cases.GetArrayLength(); i++)
            {
                if (cases[i].TryGetProperty("last_hidden", out _))
                {
                    data.Add(name, i);
                }
            }
        }

        return data;
    }

    [Fact]
    public void Fixtures_CoverEveryArchitecture()
    {
        var architectures = ReferenceCheckpoints.Names
            .Select(n => ReferenceCheckpoints.Load(n).GetProperty("config").GetProperty("architectures")[0].GetString())
            .ToHashSet();
        Assert.Equal(["LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen2MoeForCausalLM", "Qwen3ForCausalLM", "Qwen3MoeForCausalLM"], architectures.Order());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LastPromptPosition_TopLogits_MatchReference(string fixture, int caseIndex)
    {
        var golden = Case(fixture, caseIndex);
        var logits = checkpoints.Runner(fixture).ComputeLogits(Ids(golden, "prompt_ids"));
        GoldenAssert.TopLogits(golden.GetProperty("last_top10"), logits);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task GreedyContinuation_MatchesReferenceIds(string fixture, int caseIndex)
    {
        var golden = Case(fixture, caseIndex);
        var expected = Ids(golden, "greedy");
        var sampled = await Steps.Generate(checkpoints.Runner(fixture), Ids(golden, "prompt_ids"), expected.Length);
        Assert.Equal(expected, sampled.Select(s => s.TokenId).ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AfterContinuation_TopLogits_MatchReference(string fixture, int caseIndex)
    {
        var golden = Case(fixture, caseIndex);
        var input = Ids(golden, "prompt_ids").Concat(Ids(golden, "greedy")).ToArray();
        GoldenAssert.TopLogits(golden.GetProperty("final_top5"), checkpoints.Runner(fixture).ComputeLogits(input));
    }

    [Theory]
    [MemberData(nameof(HiddenCases))]
    public async Task LastPromptPosition_Embedding_MatchesReferenceHiddenState(string fixture, int caseIndex)
    {
        var golden = Case(fixture, caseIndex);
        var expected = golden.GetProperty("last_hidden").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        var embedding = await Steps.Embed(checkpoints.Runner(fixture), Ids(golden, "prompt_ids"), new PoolingParams(Normalize: false));

        Assert.Equal(expected.Length, embedding.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(embedding[i] - expected[i]) <= GoldenAssert.Tolerance, $"value {i}: expected {expected[i]}, got {embedding[i]}");
        }
    }

    private static JsonElement Case(string fixture, int index) => ReferenceCheckpoints.Load(fixture).GetProperty("cases")[index];

    private static int[] Ids(JsonElement golden, string name) => golden.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}

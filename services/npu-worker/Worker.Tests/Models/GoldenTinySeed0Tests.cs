using System.Text.Json;
using Worker.Runtime.Sampling;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>fixtures/golden-tiny-seed0.json: Hugging Face fp32 reference outputs of the tiny seed-0 checkpoint.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class GoldenTinySeed0Tests(TinyModelFixture model)
{
    private const float Tolerance = 1e-3f;

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < LoadCases().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void LastPromptPosition_Top10Logits_MatchReference(int caseIndex)
    {
        var golden = LoadCases()[caseIndex];
        var logits = model.Runner.ComputeLogits(Ids(golden, "prompt_ids"));
        AssertTopLogits(golden.GetProperty("last_top10"), logits);
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public async Task GreedyContinuation_MatchesReferenceIds(int caseIndex)
    {
        var golden = LoadCases()[caseIndex];
        var expected = Ids(golden, "greedy");
        var sampled = await Steps.Generate(model.Runner, Ids(golden, "prompt_ids"), expected.Length);
        Assert.Equal(expected, sampled.Select(s => s.TokenId).ToArray());
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void AfterContinuation_Top5Logits_MatchReference(int caseIndex)
    {
        var golden = LoadCases()[caseIndex];
        var greedy = Ids(golden, "greedy");
        var input = Ids(golden, "prompt_ids").Concat(greedy).ToArray();
        AssertTopLogits(golden.GetProperty("final_top5"), model.Runner.ComputeLogits(input));
    }

    [Fact]
    public void LongPrompt_ArgmaxAtEveryPosition_MatchesReference()
    {
        var golden = LoadCases().Single(c => c.TryGetProperty("per_position_argmax", out _));
        var prompt = Ids(golden, "prompt_ids");
        var expected = Ids(golden, "per_position_argmax");
        var actual = Enumerable.Range(1, prompt.Length)
            .Select(n => TokenSampler.ArgMax(model.Runner.ComputeLogits(prompt.Take(n).ToArray())))
            .ToArray();
        Assert.Equal(expected, actual);
    }

    private static void AssertTopLogits(JsonElement expectedTop, float[] logits)
    {
        var expected = expectedTop.EnumerateArray().Select(e => (Id: e.GetProperty("id").GetInt32(), Logit: e.GetProperty("logit").GetSingle())).ToArray();
        var actualIds = logits.Select((value, id) => (value, id)).OrderByDescending(p => p.value).Take(expected.Length).Select(p => p.id).ToArray();
        Assert.Equal(expected.Select(e => e.Id).ToArray(), actualIds);
        foreach (var (id, logit) in expected)
        {
            Assert.True(Math.Abs(logits[id] - logit) <= Tolerance, $"logit of {id}: expected {logit}, got {logits[id]}");
        }
    }

    private static int[] Ids(JsonElement golden, string name) => golden.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static IReadOnlyList<JsonElement> LoadCases()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Fixture("golden-tiny-seed0.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
    }
}

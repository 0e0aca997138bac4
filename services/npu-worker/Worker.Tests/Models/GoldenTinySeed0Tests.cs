using System.Text.Json;
using Worker.Runtime.Sampling;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>fixtures/golden-tiny-seed0.json: Hugging Face fp32 reference outputs of the tiny seed-0 checkpoint.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class GoldenTinySeed0Tests(TinyModelFixture model)
{
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
        GoldenAssert.TopLogits(golden.GetProperty("last_top10"), logits);
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
        GoldenAssert.TopLogits(golden.GetProperty("final_top5"), model.Runner.ComputeLogits(input));
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

    private static int[] Ids(JsonElement golden, string name) => golden.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static IReadOnlyList<JsonElement> LoadCases()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Fixture("golden-tiny-seed0.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
    }
}

using System.Text.Json;
using Worker.Runtime;

namespace Worker.Tests.Support;

/// <summary>
/// Two runners of the tiny seed-0 checkpoint held to each other's logits, for options that change the arithmetic within
/// a stated tolerance (Q8_0 weights, a bfloat16 KV cache): every logit at the last position of each golden prompt and of
/// the prompt followed by its golden greedy continuation.
/// </summary>
internal static class GoldenLogitsComparison
{
    /// <summary>The largest |actual - expected| over every logit of every input; each pair of logit rows is also handed to check.</summary>
    public static float WorstDifference(ModelRunner expected, ModelRunner actual, Action<float[], float[]>? check = null)
    {
        float worst = 0;
        foreach (var input in Inputs())
        {
            var expectedLogits = expected.ComputeLogits(input);
            var actualLogits = actual.ComputeLogits(input);
            for (int i = 0; i < expectedLogits.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(actualLogits[i] - expectedLogits[i]));
            }

            check?.Invoke(expectedLogits, actualLogits);
        }

        return worst;
    }

    private static IEnumerable<int[]> Inputs()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Fixture("golden-tiny-seed0.json")));
        foreach (var golden in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var prompt = Ids(golden, "prompt_ids");
            yield return prompt;
            yield return [.. prompt, .. Ids(golden, "greedy")];
        }
    }

    private static int[] Ids(JsonElement golden, string name) => golden.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}

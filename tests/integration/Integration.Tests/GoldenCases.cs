using System.Text.Json;

namespace Integration.Tests;

/// <summary>The reference outputs of the tiny seed-0 checkpoint (fixtures/golden-tiny-seed0.json).</summary>
public static class GoldenCases
{
    public sealed record Case(int[] PromptIds, int[] Greedy);

    public static IReadOnlyList<Case> Load()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(CliProgram.RepositoryRoot, "fixtures", "golden-tiny-seed0.json")));
        return json.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new Case(
                c.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                c.GetProperty("greedy").EnumerateArray().Select(e => e.GetInt32()).ToArray()))
            .ToList();
    }
}

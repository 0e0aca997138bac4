using Integration.Tests.Support;

namespace Integration.Tests.Fleet;

/// <summary>
/// Sixteen greedy completions of mixed prompt and output lengths. Half share a long prefix (several KV blocks),
/// so prefix-aware placement and prefix-cache hits take part; the others are unrelated prompts of 1 to 76 words.
/// Outputs are 96 to 285 tokens: long enough that on the tiny model, whose steps take a few milliseconds, the burst is
/// still generating when a test that waited for every stream's first token stops or kills a worker (a busy 2-core
/// machine can deliver those first tokens late).
/// </summary>
public static class FleetWorkload
{
    public const int Count = 16;

    public static readonly string SharedPrefix = string.Concat(Enumerable.Repeat(
        "You are a careful assistant who answers every question about the fleet of workers briefly. ", 8));

    public static IReadOnlyList<CompletionCall> Calls { get; } = Enumerable.Range(0, Count).Select(Call).ToArray();

    private static CompletionCall Call(int i)
    {
        var prompt = i % 2 == 0
            ? SharedPrefix + $"Question {i}: what does worker {i} do?"
            : string.Join(' ', Enumerable.Repeat($"word{i}", 1 + 5 * i));
        return new CompletionCall(prompt, MaxTokens: 96 + (i * 29) % 64 * 3);
    }
}

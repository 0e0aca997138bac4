using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

internal static class EngineFixture
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static InferenceEngine Create(FakeStepExecutor executor, EngineOptions? options = null, FakeTextTokenizer? tokenizer = null) =>
        new(executor, tokenizer ?? new FakeTextTokenizer(), options ?? new EngineOptions { ExecutorFaultBackoff = TimeSpan.FromMilliseconds(1) });

    public static GenerationRequest Text(string text, GenerationParams? p = null, string? id = null) =>
        new(id, new TextPrompt(text), p ?? new GenerationParams { Temperature = 0 });

    public static async Task<List<GenerationOutput>> CollectAsync(this InferenceEngine engine, GenerationRequest request,
        CancellationToken cancellationToken = default)
    {
        var outputs = new List<GenerationOutput>();
        await foreach (var output in engine.GenerateAsync(request, cancellationToken).WithCancellation(cancellationToken))
        {
            outputs.Add(output);
        }

        return outputs;
    }

    public static string Text(this IEnumerable<GenerationOutput> outputs) => string.Concat(outputs.Select(o => o.TextDelta));

    public static int[] TokenIds(this IEnumerable<GenerationOutput> outputs) => [.. outputs.SelectMany(o => o.NewTokens).Select(t => t.TokenId)];

    public static async Task<GenerationOutput> NextAsync(this IAsyncEnumerator<GenerationOutput> outputs)
    {
        Assert.True(await outputs.MoveNextAsync().AsTask().WaitAsync(Timeout), "the stream ended early");
        return outputs.Current;
    }

    /// <summary>Polls a condition the engine loop makes true asynchronously (bounded by <see cref="Timeout"/>).</summary>
    public static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(5);
        }
    }
}

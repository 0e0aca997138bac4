using Inference.Cli.LlamaCpp;
using Inference.Cli.Tests.Support;
using Xunit.Abstractions;

namespace Inference.Cli.Tests.LlamaCpp;

/// <summary>
/// The independent cross-check of issue 10: llama.cpp (LLamaSharp) runs the GGUF our converter wrote from the tiny
/// seed-0 checkpoint, and its greedy ids and last-position logits agree with our engine on the BF16 safetensors.
/// Measured on this checkpoint over these prompts (logits of magnitude up to about 2.6): max |Δlogit| 1.2e-3 to 2.2e-3
/// with the F32 GGUF (llama.cpp keeps its KV cache in F16) and 1.5e-3 to 2.0e-3 with the F16 GGUF (it also rounds
/// activations to F16 for its matmuls); greedy ids equal for all 16 steps of every prompt. The tolerance leaves
/// about 2x headroom over the worst of those.
/// </summary>
[Collection(TinyCheckpointCollection.Name)]
public sealed class LlamaCppCrossCheckTests(TinyCheckpoint tiny, ITestOutputHelper output)
{
    private const int GreedySteps = 16;
    private const float Tolerance = 5e-3f;

    /// <summary>Prompts of fixtures/golden-tiny-seed0.json: plain text ids, a longer one, and a chat-formatted one.</summary>
    public static TheoryData<int[]> Prompts() => new()
    {
        new[] { 9707, 11, 1879, 0 },
        new[] { 40, 1079, 264, 1045, 99, 2182, 13, 576 },
        new[] { 151644, 872, 198, 9707, 0, 151645, 198, 151644, 77091, 198 },
    };

    [Theory]
    [MemberData(nameof(Prompts))]
    public async Task GreedyContinuation_OfF16Gguf_EqualsOurEngine(int[] prompt)
    {
        using var runner = OurEngine.Load(tiny.Directory);
        var ours = await OurEngine.GreedyAsync(runner, prompt, GreedySteps);

        using var session = LlamaCppSession.Load(tiny.F16Gguf, threads: 2, maxSequences: 1, tokensPerSequence: 64, maxBatchTokens: 64);
        Assert.Equal(ours, LlamaCppGreedy.Continue(session, prompt, GreedySteps));
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public void LastPositionLogits_OfF16Gguf_AreWithinToleranceOfOurEngine(int[] prompt) =>
        AssertLogitsClose(tiny.F16Gguf, prompt, Tolerance);

    [Theory]
    [MemberData(nameof(Prompts))]
    public void LastPositionLogits_OfF32Gguf_AreWithinToleranceOfOurEngine(int[] prompt) =>
        AssertLogitsClose(tiny.F32Gguf, prompt, Tolerance);

    [Fact]
    public void BatchOfTwoSequences_GivesEachTheLogitsItGetsAlone()
    {
        int[] first = [9707, 11, 1879, 0];
        int[] second = [40, 1079, 264, 1045, 99];
        using var session = LlamaCppSession.Load(tiny.F32Gguf, threads: 2, maxSequences: 2, tokensPerSequence: 64, maxBatchTokens: 64);
        var alone = session.DecodeLogits([new SequenceTokens(0, 0, second)])[0];
        session.Clear();

        var together = session.DecodeLogits([new SequenceTokens(0, 0, first), new SequenceTokens(1, 0, second)]);

        Assert.True(MaxAbsDifference(alone, together[1]) < 1e-4f);
    }

    private void AssertLogitsClose(string gguf, int[] prompt, float tolerance)
    {
        using var runner = OurEngine.Load(tiny.Directory);
        var ours = runner.ComputeLogits(prompt);
        using var session = LlamaCppSession.Load(gguf, threads: 2, maxSequences: 1, tokensPerSequence: 64, maxBatchTokens: 64);
        var theirs = session.DecodeLogits([new SequenceTokens(0, 0, prompt)])[0];

        Assert.Equal(ours.Length, theirs.Length);
        float difference = MaxAbsDifference(ours, theirs);
        output.WriteLine($"{Path.GetFileName(gguf)}: max |Δlogit| {difference:G3} over {ours.Length} logits");
        Assert.True(difference <= tolerance, $"max |Δlogit| {difference} exceeds {tolerance}");
    }

    private static float MaxAbsDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}

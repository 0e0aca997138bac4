using System.Diagnostics;
using Inference.Abstractions.Execution;
using Worker.Runtime;
using Worker.Runtime.Ops;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// Our engine under benchmark: the in-process model runner driven with hand-built step plans (no scheduler, no
/// tokenizer). Each request owns a contiguous block range big enough for its prompt and every decoded token.
/// Every request samples with <paramref name="sampling"/> (default greedy; with structured output, each step also
/// computes and applies every sequence's grammar mask). With <paramref name="loraName"/>, every request runs with that
/// loaded LoRA adapter. With <paramref name="decodeTimings"/> (the runner loaded with them), its ops are timed during the
/// decode steps only.
/// </summary>
public sealed class ModelRunnerRounds(ModelRunner runner, int blocksPerRequest, SamplingParams? sampling = null, string? loraName = null, OpTimings? decodeTimings = null) : IRoundRunner
{
    private long _stepId;
    private int _round;

    public int VocabSize => runner.Info.VocabSize;

    /// <summary>Blocks per request for rounds of up to these lengths (the token sampled last needs no KV, but keeps the arithmetic simple).</summary>
    public static int BlocksPerRequest(int promptTokens, int decodeSteps, int blockSize) =>
        (promptTokens + decodeSteps + 1 + blockSize - 1) / blockSize;

    public RoundTimes Round(int batch, int promptTokens, int decodeSteps)
    {
        var prompts = BenchPrompts.For(batch, promptTokens, VocabSize);
        var ids = Enumerable.Range(0, batch).Select(r => $"round-{_round}-{r}").ToArray();
        _round++;
        var newRequests = new NewRequestData[batch];
        for (int r = 0; r < batch; r++)
        {
            var blocks = Enumerable.Range(r * blocksPerRequest, blocksPerRequest).ToArray();
            newRequests[r] = new NewRequestData(ids[r], prompts[r], promptTokens, sampling ?? SamplingParams.Greedy, blocks, 0, promptTokens, LoraName: loraName);
        }

        var prefillStarted = Stopwatch.GetTimestamp();
        Execute(new StepPlan(_stepId++, newRequests, [], []), batch);
        double prefillSeconds = Stopwatch.GetElapsedTime(prefillStarted).TotalSeconds;

        long sampleNs = 0;
        SetTiming(true);
        var decodeStarted = Stopwatch.GetTimestamp();
        for (int step = 0; step < decodeSteps; step++)
        {
            var cached = ids.Select(id => new CachedRequestData(id, [], promptTokens + step, 1)).ToArray();
            sampleNs += Execute(new StepPlan(_stepId++, [], cached, []), batch).Timings.SampleNs;
        }

        double decodeSeconds = Stopwatch.GetElapsedTime(decodeStarted).TotalSeconds;
        SetTiming(false);

        // Free the requests (and their blocks) for the next round; the step runs no tokens.
        Execute(new StepPlan(_stepId++, [], [], ids), 0);
        return new RoundTimes(prefillSeconds, decodeSeconds, sampleNs / 1e9);
    }

    private void SetTiming(bool enabled)
    {
        if (decodeTimings is not null)
        {
            decodeTimings.Enabled = enabled;
        }
    }

    private StepResult Execute(StepPlan plan, int expectedSamples)
    {
        var result = runner.ExecuteAsync(plan, CancellationToken.None).GetAwaiter().GetResult();
        if (result.Sampled.Count != expectedSamples)
        {
            throw new InvalidOperationException($"step {plan.StepId}: expected {expectedSamples} sampled tokens, got {result.Sampled.Count}");
        }

        return result;
    }
}

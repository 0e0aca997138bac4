namespace Inference.Cli.Simulation;

/// <summary>
/// How long a simulated worker takes for one step: a fixed cost (every step streams all the weights once),
/// plus a cost per prompt token computed (prefill, recompute after preemption, a follow-up turn's uncached
/// history), plus a cost per sequence that decodes one token. Attention's growth with context length is left out.
/// </summary>
/// <param name="StepMs">Fixed milliseconds of every step.</param>
/// <param name="PrefillMsPerToken">Milliseconds per prompt token in the step.</param>
/// <param name="DecodeMsPerSequence">Milliseconds per decoding sequence in the step.</param>
internal sealed record CostModel(double StepMs, double PrefillMsPerToken, double DecodeMsPerSequence)
{
    /// <summary>
    /// Fitted to <c>bench-model</c> on the Qwen2.5-0.5B sizes with the CPU worker: prefill about 130 tokens/s
    /// (7.7 ms a token); decode about 16 tokens/s at batch 1 (62.5 ms a step) and 53 tokens/s at batch 16 (302 ms
    /// a step). Two decode points fix a line: 46.5 ms + 16 ms per sequence. Decode batches poorly on this worker
    /// (each sequence costs a third of a batch-1 step), which is why a sequence costs more than a prefill token.
    /// </summary>
    public static CostModel CpuWorkerQwen05B { get; } = new(StepMs: 46.5, PrefillMsPerToken: 7.7, DecodeMsPerSequence: 16.0);

    public double StepSeconds(int prefillTokens, int decodeSequences) =>
        (StepMs + prefillTokens * PrefillMsPerToken + decodeSequences * DecodeMsPerSequence) / 1000.0;
}

using System.Diagnostics;
using Inference.Cli.LlamaCpp;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// llama.cpp under benchmark, with the same rounds as ours: the batch's prompts as one llama_decode batch of
/// several sequence ids, then one batch per step holding each sequence's last token at its position; greedy argmax
/// of each sequence's logits.
/// </summary>
public sealed class LlamaCppRounds(LlamaCppSession session) : IRoundRunner
{
    public int VocabSize => session.VocabSize;

    public RoundTimes Round(int batch, int promptTokens, int decodeSteps)
    {
        var prompts = BenchPrompts.For(batch, promptTokens, VocabSize);
        session.Clear();
        var prefillStarted = Stopwatch.GetTimestamp();
        var next = session.DecodeGreedy(prompts.Select((p, s) => new SequenceTokens(s, 0, p)).ToArray());
        double prefillSeconds = Stopwatch.GetElapsedTime(prefillStarted).TotalSeconds;

        var decodeStarted = Stopwatch.GetTimestamp();
        for (int step = 0; step < decodeSteps; step++)
        {
            var entries = new SequenceTokens[batch];
            for (int s = 0; s < batch; s++)
            {
                entries[s] = new SequenceTokens(s, promptTokens + step, [next[s]]);
            }

            next = session.DecodeGreedy(entries);
        }

        double decodeSeconds = Stopwatch.GetElapsedTime(decodeStarted).TotalSeconds;
        session.Clear();
        return new RoundTimes(prefillSeconds, decodeSeconds, 0);
    }
}

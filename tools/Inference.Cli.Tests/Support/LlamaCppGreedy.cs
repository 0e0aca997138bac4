using Inference.Cli.LlamaCpp;

namespace Inference.Cli.Tests.Support;

public static class LlamaCppGreedy
{
    /// <summary>llama.cpp's greedy continuation of one sequence: the prompt in one decode, then one token per decode.</summary>
    public static int[] Continue(LlamaCppSession session, int[] prompt, int steps)
    {
        var ids = new List<int> { session.DecodeGreedy([new SequenceTokens(0, 0, prompt)])[0] };
        while (ids.Count < steps)
        {
            ids.Add(session.DecodeGreedy([new SequenceTokens(0, prompt.Length + ids.Count - 1, [ids[^1]])])[0]);
        }

        return [.. ids];
    }
}

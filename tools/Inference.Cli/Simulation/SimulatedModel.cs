namespace Inference.Cli.Simulation;

/// <summary>
/// The model the simulated workers pretend to serve: Qwen2.5's vocabulary and stop ids, and a deterministic
/// "sampler" (token = hash of the request's seed and the token's position). Because the output is a function of
/// the seed alone, the workload can build a follow-up turn's prompt (earlier prompt + its output) before the
/// earlier turn has even run, so every policy sees exactly the same requests.
/// </summary>
internal static class SimulatedModel
{
    public const int VocabSize = 151936;

    /// <summary>&lt;|endoftext|&gt; and &lt;|im_end|&gt;; prompts and outputs never contain them.</summary>
    public static readonly int[] EosTokenIds = [151643, 151645];

    /// <summary>Ids below the special tokens: every token the workload or the sampler produces.</summary>
    public const int OrdinaryTokens = 151643;

    /// <summary>The token a request with this seed samples at this position (its index in prompt + output).</summary>
    public static int TokenAt(ulong seed, int position) =>
        (int)(Mix(seed + 0x9E3779B97F4A7C15UL * (ulong)(position + 1)) % OrdinaryTokens);

    /// <summary>SplitMix64's finalizer: a cheap, well-spread 64-bit hash.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

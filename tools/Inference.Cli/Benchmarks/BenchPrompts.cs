namespace Inference.Cli.Benchmarks;

/// <summary>The pseudo-random prompts every engine gets: fixed by seed, batch size and sequence index, ids below the first special token.</summary>
public static class BenchPrompts
{
    private const int Seed = 20240601;

    /// <summary>Qwen2's first added token; lower ids are plain byte-level BPE tokens every Qwen vocabulary has.</summary>
    private const int FirstSpecialId = 151643;

    public static int[][] For(int batch, int promptTokens, int vocabSize)
    {
        var random = new Random(Seed + batch);
        int limit = Math.Min(vocabSize, FirstSpecialId);
        return Enumerable.Range(0, batch)
            .Select(_ => Enumerable.Range(0, promptTokens).Select(_ => random.Next(limit)).ToArray())
            .ToArray();
    }
}

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// RoPE scaling given as one factor per rotated pair that divides that pair's frequency, as a GGUF file carries
/// llama3 rope scaling (the rope_freqs.weight tensor, which llama.cpp applies as theta / factor). No attention
/// factor; the context is the file's context_length.
/// </summary>
public sealed record FrequencyFactorRopeScaling(IReadOnlyList<float> Factors) : RopeScaling
{
    public override string TypeName => "rope_freqs";

    public override float AttentionFactor => 1f;

    public override int ContextLength(int maxPositionEmbeddings) => maxPositionEmbeddings;

    /// <exception cref="InvalidDataException">There is not one factor per rotated pair.</exception>
    public override void Apply(ReadOnlySpan<float> powers, Span<float> inverseFrequencies)
    {
        if (Factors.Count != inverseFrequencies.Length)
        {
            throw new InvalidDataException($"rope_freqs.weight has {Factors.Count} factors; head_dim / 2 is {inverseFrequencies.Length}.");
        }

        for (int i = 0; i < inverseFrequencies.Length; i++)
        {
            inverseFrequencies[i] /= Factors[i];
        }
    }
}

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// Llama 3.1's rope_scaling "llama3" (transformers' `_compute_llama3_parameters`): wavelengths longer than
/// original / low_freq_factor are divided by the factor, those shorter than original / high_freq_factor are
/// kept, and the band between blends the two smoothly. No attention factor; config.json's
/// max_position_embeddings already states the extended context.
/// </summary>
public sealed record Llama3RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings)
    : RopeScaling
{
    public override string TypeName => "llama3";

    public override float AttentionFactor => 1f;

    public override int ContextLength(int maxPositionEmbeddings) => maxPositionEmbeddings;

    public override void Apply(ReadOnlySpan<float> powers, Span<float> inverseFrequencies)
    {
        float factor = (float)Factor, low = (float)LowFreqFactor, high = (float)HighFreqFactor;
        float original = OriginalMaxPositionEmbeddings;
        float lowFreqWavelength = original / low;
        float highFreqWavelength = original / high;
        for (int i = 0; i < inverseFrequencies.Length; i++)
        {
            float frequency = inverseFrequencies[i];
            float wavelength = (float)(2 * Math.PI) / frequency;
            if (wavelength > lowFreqWavelength)
            {
                inverseFrequencies[i] = frequency / factor;
            }
            else if (wavelength >= highFreqWavelength)
            {
                // smooth = (original / wavelength - low) / (high - low); blend of the scaled and the kept frequency
                float smooth = (original / wavelength - low) / (high - low);
                inverseFrequencies[i] = (1 - smooth) * frequency / factor + smooth * frequency;
            }
        }
    }
}

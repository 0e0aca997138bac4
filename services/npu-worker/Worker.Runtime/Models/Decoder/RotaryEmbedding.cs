namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// The rotary position embedding's frequencies: inv_freq[i] = 1 / theta^(2i / d) in fp32 as transformers computes
/// them, optionally rescaled by a config's <see cref="RopeScaling"/>, and the per-step cos/sin tables.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _inverseFrequencies;
    private readonly float _attentionFactor;

    public RotaryEmbedding(double theta, int headDim, RopeScaling? scaling)
    {
        Theta = theta;
        Scaling = scaling;
        var powers = new float[headDim / 2];
        _inverseFrequencies = new float[headDim / 2];
        for (int i = 0; i < powers.Length; i++)
        {
            float exponent = 2 * i / (float)headDim;
            powers[i] = (float)Math.Pow(theta, exponent);
            _inverseFrequencies[i] = 1f / powers[i];
        }

        scaling?.Apply(powers, _inverseFrequencies);
        _attentionFactor = scaling?.AttentionFactor ?? 1f;
    }

    public double Theta { get; }

    public RopeScaling? Scaling { get; }

    public ReadOnlySpan<float> InverseFrequencies => _inverseFrequencies;

    /// <summary>cos/sin [tokens, d/2] of position * inv_freq, times the attention factor (YaRN's mscale, else 1).</summary>
    public void FillTables(ReadOnlySpan<int> positions, Span<float> cos, Span<float> sin)
    {
        int half = _inverseFrequencies.Length;
        for (int i = 0; i < positions.Length; i++)
        {
            for (int j = 0; j < half; j++)
            {
                // fp32 product as in the HF reference, then an accurate cos/sin.
                float angle = positions[i] * _inverseFrequencies[j];
                cos[i * half + j] = (float)Math.Cos(angle) * _attentionFactor;
                sin[i * half + j] = (float)Math.Sin(angle) * _attentionFactor;
            }
        }
    }
}

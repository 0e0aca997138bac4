namespace Inference.Cli.Gguf;

/// <summary>
/// llama3 rope scaling as llama.cpp takes it: one factor per rotated pair, dividing that pair's frequency, stored as
/// the F32 tensor rope_freqs.weight [head_dim / 2]. With w = 2π / freq the wavelength of a pair: short wavelengths
/// (w &lt; L / high_freq_factor) keep 1, long ones (w &gt; L / low_freq_factor) take the factor, and those between
/// blend smoothly, L being the original context length.
/// </summary>
public static class RopeFrequencyFactors
{
    public static float[] Llama3(HfModelConfig config, int headDim)
    {
        var scaling = config.RopeScaling ?? throw new ArgumentException("config has no rope_scaling", nameof(config));
        double factor = scaling.Factor;
        double low = scaling.LowFreqFactor ?? 1.0;
        double high = scaling.HighFreqFactor ?? 4.0;
        double oldContext = scaling.OriginalMaxPositionEmbeddings ?? 8192;
        double lowFreqWavelength = oldContext / low;
        double highFreqWavelength = oldContext / high;
        var factors = new float[headDim / 2];
        for (int i = 0; i < factors.Length; i++)
        {
            // Frequencies in float32, as torch computes them: base^(-2i / d).
            float frequency = 1.0f / MathF.Pow((float)config.RopeTheta, 2 * i / (float)headDim);
            double wavelength = 2 * Math.PI / frequency;
            if (wavelength < highFreqWavelength)
            {
                factors[i] = 1;
            }
            else if (wavelength > lowFreqWavelength)
            {
                factors[i] = (float)factor;
            }
            else
            {
                double smooth = (oldContext / wavelength - low) / (high - low);
                factors[i] = (float)(1 / ((1 - smooth) / factor + smooth));
            }
        }

        return factors;
    }
}

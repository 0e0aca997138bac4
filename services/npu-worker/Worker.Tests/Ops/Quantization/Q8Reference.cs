namespace Worker.Tests.Ops.Quantization;

/// <summary>
/// Plain scalar Q8_0, written from ggml's definitions independently of the kernels: weights by
/// quantize_row_q8_0_ref (d = amax / 127 as fp16, q = roundf(x / d), halves away from zero), activations by the x86
/// quantize_row_q8_0 (q = round-to-even(x * 127 / amax)), and a dot product that sums exact int32 products per
/// block, scaled by both fp16 scales, in double.
/// </summary>
internal static class Q8Reference
{
    public const int Block = 32;

    public static (sbyte[] Q, float[] D) QuantizeWeights(float[] x, int rows, int cols) => Quantize(x, rows, cols, activation: false);

    public static (sbyte[] Q, float[] D) QuantizeActivations(float[] x, int rows, int cols) => Quantize(x, rows, cols, activation: true);

    /// <summary>y[t, r] for q/d of weights [rows, cols] and activations [tokens, cols], plus sum |terms| (the error scale).</summary>
    public static (double Value, double Magnitude) Dot((sbyte[] Q, float[] D) w, int row, (sbyte[] Q, float[] D) x, int token, int cols)
    {
        int blocks = (cols + Block - 1) / Block;
        double value = 0, magnitude = 0;
        for (int b = 0; b < blocks; b++)
        {
            long sum = 0;
            for (int j = b * Block; j < Math.Min(cols, (b + 1) * Block); j++)
            {
                sum += w.Q[row * cols + j] * x.Q[token * cols + j];
            }

            double term = (double)w.D[row * blocks + b] * x.D[token * blocks + b] * sum;
            value += term;
            magnitude += Math.Abs(term);
        }

        return (value, magnitude);
    }

    private static (sbyte[] Q, float[] D) Quantize(float[] x, int rows, int cols, bool activation)
    {
        int blocks = (cols + Block - 1) / Block;
        var q = new sbyte[rows * cols];
        var d = new float[rows * blocks];
        for (int r = 0; r < rows; r++)
        {
            for (int b = 0; b < blocks; b++)
            {
                int start = r * cols + b * Block, end = r * cols + Math.Min(cols, (b + 1) * Block);
                float amax = 0;
                for (int i = start; i < end; i++)
                {
                    amax = Math.Max(amax, Math.Abs(x[i]));
                }

                float scale = amax / 127;
                d[r * blocks + b] = (float)(Half)scale;
                for (int i = start; i < end; i++)
                {
                    q[i] = activation
                        ? (sbyte)MathF.Round(x[i] * (amax != 0 ? 127 / amax : 0), MidpointRounding.ToEven)
                        : (sbyte)MathF.Round(x[i] * (scale != 0 ? 1 / scale : 0), MidpointRounding.AwayFromZero);
                }
            }
        }

        return (q, d);
    }
}

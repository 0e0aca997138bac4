namespace Worker.Runtime.Ops;

/// <summary>
/// rotate_half RoPE (Qwen2/NeoX): dimension i pairs with i + d/2, not adjacent pairs as in llama2.c.
/// out[i] = x[i] cos - x[i + d/2] sin; out[i + d/2] = x[i + d/2] cos + x[i] sin.
/// </summary>
public sealed class CpuRopeKernel : IRopeKernel
{
    public void Apply(Span<float> x, int tokens, int heads, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = headDim / 2;
        for (int t = 0; t < tokens; t++)
        {
            var c = cos.Slice(t * half, half);
            var s = sin.Slice(t * half, half);
            for (int h = 0; h < heads; h++)
            {
                var head = x.Slice((t * heads + h) * headDim, headDim);
                for (int i = 0; i < half; i++)
                {
                    float x1 = head[i];
                    float x2 = head[i + half];
                    head[i] = x1 * c[i] - x2 * s[i];
                    head[i + half] = x2 * c[i] + x1 * s[i];
                }
            }
        }
    }
}

namespace Worker.Runtime.Ops;

/// <summary>y[t, n] = sum_k x[t, k] * W[n, k] (x: [tokens, W.Cols], y: [tokens, W.Rows]).</summary>
public interface IMatMulKernel
{
    void MatMul(ReadOnlySpan<float> x, int tokens, WeightMatrix weight, Span<float> y);
}

/// <summary>y = x / sqrt(mean(x^2) + eps) * weight, per row of width weight.Length.</summary>
public interface IRmsNormKernel
{
    void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y);
}

/// <summary>
/// The stacked QKV projection's rows made attention's inputs, in one pass over each token's row: the bias added, each q
/// and k head RMS-normalised (Qwen3), rotated (RoPE, rotate_half), q written to the query rows and k, v stored in the
/// token's KV slot.
/// </summary>
public interface IQkvEpilogueKernel
{
    /// <summary>
    /// Called before the QKV matmul with the slots <see cref="Apply"/> will store to: a kernel may start bringing their
    /// memory in, so that it arrives while the matmul runs.
    /// </summary>
    void Prepare(KvLayer kv, ReadOnlySpan<int> slots);

    /// <param name="qkv">[tokens, (heads + 2 kv.NumKvHeads) * kv.HeadDim]: each token's q heads, then its k heads, then its v heads.</param>
    /// <param name="cos">[tokens, headDim / 2] cosines of position * inv_freq.</param>
    /// <param name="sin">[tokens, headDim / 2] sines.</param>
    /// <param name="query">[tokens, heads * headDim], written.</param>
    /// <param name="slots">Each token's KV slot in <paramref name="kv"/>.</param>
    void Apply(ReadOnlySpan<float> qkv, int tokens, int heads, QkvEpilogueWeights weights, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
        Span<float> query, KvLayer kv, ReadOnlySpan<int> slots);
}

/// <summary>A layer's tensors for <see cref="IQkvEpilogueKernel"/>; each is null where the architecture has none.</summary>
/// <param name="Bias">The q, k and v biases concatenated (Qwen2).</param>
/// <param name="QueryNorm">The RMSNorm weight [headDim] of every q head (Qwen3).</param>
/// <param name="KeyNorm">The RMSNorm weight [headDim] of every k head (Qwen3).</param>
/// <param name="Eps">The norms' epsilon.</param>
public readonly record struct QkvEpilogueWeights(float[]? Bias, float[]? QueryNorm, float[]? KeyNorm, float Eps);

/// <summary>SwiGLU over rows of [T, 2I] (gate | up), the products packed as [T, I] at the start of the same buffer.</summary>
public interface ISwiGluKernel
{
    void SwiGlu(float[] gateUp, int tokens, int intermediate);
}

/// <summary>In-place softmax of one row.</summary>
public interface ISoftmaxKernel
{
    void Softmax(Span<float> values);
}

/// <summary>Causal grouped-query attention of each token over its sequence's paged KV.</summary>
public interface IPagedAttentionKernel
{
    /// <param name="query">[tokens, numHeads, headDim], RoPE applied.</param>
    /// <param name="output">[tokens, numHeads, headDim].</param>
    void Attend(ReadOnlySpan<float> query, Span<float> output, ForwardBatch batch, KvLayer kv, int numHeads);
}

/// <summary>
/// The device seam under the model: one implementation per op, so a faster kernel replaces one op
/// (for example `ops with { MatMul = new MyKernel() }`) without touching the model.
/// </summary>
public sealed record DeviceOps(
    IMatMulKernel MatMul,
    IRmsNormKernel RmsNorm,
    IQkvEpilogueKernel QkvEpilogue,
    IPagedAttentionKernel Attention,
    ISwiGluKernel SwiGlu,
    ISoftmaxKernel Softmax)
{
    /// <summary>How the model loads its matrices (quantization). Default: as the checkpoint stores them.</summary>
    public WeightLoader Weights { get; init; } = new(Quantization.WeightQuantization.None);

    /// <summary>LoRA adapters' deltas on the projections' outputs. Default: on the calling thread.</summary>
    public Lora.LoraDeltaKernel LoraDeltas { get; init; } = new(pool: null);

    /// <summary>SIMD kernels; matmul and attention split across the pool's threads.</summary>
    public static DeviceOps CreateCpu(ComputeThreadPool pool, int maxContextLength, int queryHeadsPerKvHead)
    {
        var softmax = new CpuSoftmaxKernel();
        return new DeviceOps(
            new CpuMatMulKernel(pool),
            new CpuRmsNormKernel(),
            new CpuQkvEpilogueKernel(pool),
            new CpuPagedAttentionKernel(pool, maxContextLength, queryHeadsPerKvHead),
            new CpuSwiGluKernel(pool),
            softmax)
        {
            LoraDeltas = new Lora.LoraDeltaKernel(pool),
        };
    }
}

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

/// <summary>Rotary embedding with rotate_half over heads laid out [tokens, heads, headDim].</summary>
public interface IRopeKernel
{
    /// <param name="cos">[tokens, headDim / 2] cosines of position * inv_freq.</param>
    /// <param name="sin">[tokens, headDim / 2] sines.</param>
    void Apply(Span<float> x, int tokens, int heads, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin);
}

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
    IRopeKernel Rope,
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
            new CpuRopeKernel(),
            new CpuPagedAttentionKernel(pool, maxContextLength, queryHeadsPerKvHead),
            new CpuSwiGluKernel(pool),
            softmax)
        {
            LoraDeltas = new Lora.LoraDeltaKernel(pool),
        };
    }
}

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// Activation buffers of one forward pass, sized for the largest step seen so far: a warm worker
/// allocates nothing per step. All fp32, row-major [tokens, width].
/// </summary>
internal sealed class DecoderWorkspace(DecoderSpec dims)
{
    public int TokenCapacity { get; private set; }
    public int HeadRowCapacity { get; private set; }
    public int LogitCapacity { get; private set; }

    public float[] Hidden { get; private set; } = [];     // residual stream x [T, H]
    public float[] Normed { get; private set; } = [];     // RMSNorm(x) [T, H]
    public float[] Qkv { get; private set; } = [];        // [T, nh*d + 2*nkv*d]: the stacked projection's rows
    public float[] Query { get; private set; } = [];      // [T, nh*d]
    public float[] Attention { get; private set; } = [];  // attention output [T, nh*d]
    public float[] Projected { get; private set; } = [];  // o_proj / down_proj output [T, H]
    public float[] GateUp { get; private set; } = [];     // [T, 2I]: gate and up rows, then the SwiGLU product packed [T, I]
    public float[] Cos { get; private set; } = [];        // [T, d/2]
    public float[] Sin { get; private set; } = [];        // [T, d/2]
    public float[] HeadRows { get; private set; } = [];   // final-normed rows: those that need logits, then embeddings [R + E, H]
    public float[] Logits { get; private set; } = [];     // [R, V]

    public void EnsureCapacity(int tokens, int logitRows, int hiddenRows)
    {
        if (tokens > TokenCapacity)
        {
            int t = Math.Max(tokens, TokenCapacity * 2);
            Hidden = new float[t * dims.Hidden];
            Normed = new float[t * dims.Hidden];
            Qkv = new float[t * (dims.QueryWidth + 2 * dims.KvWidth)];
            Query = new float[t * dims.QueryWidth];
            Attention = new float[t * dims.QueryWidth];
            Projected = new float[t * dims.Hidden];
            GateUp = new float[t * 2 * dims.Intermediate];
            Cos = new float[t * dims.HeadDim / 2];
            Sin = new float[t * dims.HeadDim / 2];
            TokenCapacity = t;
        }

        if (logitRows + hiddenRows > HeadRowCapacity)
        {
            int r = Math.Max(logitRows + hiddenRows, HeadRowCapacity * 2);
            HeadRows = new float[r * dims.Hidden];
            HeadRowCapacity = r;
        }

        // Sized apart from the head rows: an embedding-only pass needs no vocabulary-wide buffer.
        if (logitRows > LogitCapacity)
        {
            int r = Math.Max(logitRows, LogitCapacity * 2);
            Logits = new float[(long)r * dims.Vocab];
            LogitCapacity = r;
        }
    }
}

using System.Numerics.Tensors;
using Worker.Runtime.Kv;
using Worker.Runtime.Lora;
using Worker.Runtime.Ops;

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// The decoder forward of Qwen2, Qwen3 and Llama over a paged KV cache, in paper order:
/// embed → per layer [RMSNorm → QKV(+bias) → (per-head q/k RMSNorm) → RoPE → paged causal GQA attention → O →
/// residual → RMSNorm → SwiGLU → down (or a sparse layer's experts, <see cref="ExpertMlp"/>) → residual] → final RMSNorm (only at rows that need logits or an embedding) →
/// LM head (only at rows that need logits).
/// A sequence run with a LoRA adapter gets its deltas added to the base projections' outputs (y += scale * B A x);
/// a batch without adapters skips that with one check per projection.
/// The architectures differ only in <see cref="DecoderSpec"/>'s switches. Activations are fp32; the math sits
/// behind <see cref="DeviceOps"/>.
/// </summary>
public sealed class DecoderModel : ICausalLm
{
    private readonly DecoderWeights _weights;
    private readonly DeviceOps _ops;
    private readonly DecoderSpec _dims;
    private readonly DecoderWorkspace _workspace;
    private readonly ExpertMlp? _experts;

    public DecoderModel(DecoderSpec spec, DecoderWeights weights, DeviceOps ops)
    {
        _weights = weights;
        _ops = ops;
        _dims = spec;
        _workspace = new DecoderWorkspace(spec);
        _experts = spec.Moe is null ? null : new ExpertMlp(spec, ops);
    }

    public int VocabSize => _dims.Vocab;

    public string WeightType => _weights.EmbedTokens.Format;

    /// <inheritdoc/>
    public ForwardOutput Forward(ForwardBatch batch, PagedKvCache cache)
    {
        int t = batch.TokenCount;
        int h = _dims.Hidden;
        var ws = _workspace;
        ws.EnsureCapacity(t, batch.LogitTokens.Count, batch.HiddenTokens.Count);
        var x = ws.Hidden.AsSpan(0, t * h);
        var xn = ws.Normed.AsSpan(0, t * h);

        // x = embed_tokens[token], or the row given for a token of a prompt sent as embeddings.
        for (int i = 0; i < t; i++)
        {
            _weights.EmbedTokens.CopyRow(batch.TokenIds[i], x.Slice(i * h, h));
        }

        foreach (var (row, embedding) in batch.InputEmbeddings)
        {
            embedding.Span.CopyTo(x.Slice(row * h, h));
        }

        _dims.Rope.FillTables(batch.Positions, ws.Cos, ws.Sin);
        for (int layer = 0; layer < _dims.Layers; layer++)
        {
            var w = _weights.Layers[layer];
            _ops.RmsNorm.RmsNorm(x, w.InputLayerNorm, _dims.RmsNormEps, xn);
            Attention(layer, w, batch, cache.Layer(layer), xn, t);
            TensorPrimitives.Add(x, ws.Projected.AsSpan(0, t * h), x);    // x = x + o_proj(attn)

            _ops.RmsNorm.RmsNorm(x, w.PostAttentionLayerNorm, _dims.RmsNormEps, xn);
            Mlp(layer, w, batch, xn, t);
            TensorPrimitives.Add(x, ws.Projected.AsSpan(0, t * h), x);    // x = x + mlp(x)
        }

        return Head(batch, x);
    }

    private void Attention(int layer, DecoderLayerWeights w, ForwardBatch batch, KvLayer kv, ReadOnlySpan<float> xn, int t)
    {
        var ws = _workspace;
        int qWidth = _dims.QueryWidth, kvWidth = _dims.KvWidth;
        var q = ws.Query.AsSpan(0, t * qWidth);

        // [q | k | v] = x W_qkv^T, one matmul over the stacked rows; then each token's row gets its bias, (Qwen3) q/k
        // RMSNorm over each head's d values and RoPE, q lands in the query rows and k, v in the cache, in one pass.
        // Every token of the step lands in the cache first, so attention is causal by position alone.
        int qkvWidth = qWidth + 2 * kvWidth;
        var qkv = ws.Qkv.AsSpan(0, t * qkvWidth);
        _ops.QkvEpilogue.Prepare(kv, batch.Slots);
        _ops.MatMul.MatMul(xn, t, w.QkvProj, qkv);
        if (batch.LoraAdapters.Count > 0)
        {
            // Each adapter's q, k and v deltas land in their slices of the stacked row; the bias is additive, so the order does not matter.
            _ops.LoraDeltas.Add(batch, layer, LoraTarget.QProj, xn, _dims.Hidden, qkv, qkvWidth, 0);
            _ops.LoraDeltas.Add(batch, layer, LoraTarget.KProj, xn, _dims.Hidden, qkv, qkvWidth, qWidth);
            _ops.LoraDeltas.Add(batch, layer, LoraTarget.VProj, xn, _dims.Hidden, qkv, qkvWidth, qWidth + kvWidth);
        }

        var epilogue = new QkvEpilogueWeights(w.QkvBias, _dims.QkNorm ? w.QNorm! : null, _dims.QkNorm ? w.KNorm! : null, _dims.RmsNormEps);
        _ops.QkvEpilogue.Apply(qkv, t, _dims.Heads, epilogue, ws.Cos, ws.Sin, q, kv, batch.Slots);

        var attention = ws.Attention.AsSpan(0, t * qWidth);
        _ops.Attention.Attend(q, attention, batch, kv, _dims.Heads);
        var projected = ws.Projected.AsSpan(0, t * _dims.Hidden);
        _ops.MatMul.MatMul(attention, t, w.OProj, projected);
        if (batch.LoraAdapters.Count > 0)
        {
            _ops.LoraDeltas.Add(batch, layer, LoraTarget.OProj, attention, qWidth, projected, _dims.Hidden, 0);
        }
    }

    /// <summary>
    /// SwiGLU: down(silu(gate(x)) * up(x)), silu(g) = g * sigmoid(g). Gate and up are one matmul over the stacked
    /// rows (each token's row is [g | u]); the product is written over g and the rows are packed to [T, I] in place.
    /// </summary>
    private void Mlp(int layer, DecoderLayerWeights w, ForwardBatch batch, ReadOnlySpan<float> xn, int t)
    {
        int inter = _dims.Intermediate, h = _dims.Hidden;
        if (w.Experts is { } experts)
        {
            // A sparse layer: no adapter reaches its experts (the LoRA reader refuses them).
            _experts!.Run(experts, xn, t, _workspace.Projected.AsSpan(0, t * h));
            return;
        }

        bool lora = batch.LoraAdapters.Count > 0;
        var gateUp = _workspace.GateUp.AsSpan(0, t * 2 * inter);
        _ops.MatMul.MatMul(xn, t, w.GateUpProj!, gateUp);
        if (lora)
        {
            _ops.LoraDeltas.Add(batch, layer, LoraTarget.GateProj, xn, h, gateUp, 2 * inter, 0);
            _ops.LoraDeltas.Add(batch, layer, LoraTarget.UpProj, xn, h, gateUp, 2 * inter, inter);
        }

        _ops.SwiGlu.SwiGlu(_workspace.GateUp, t, inter);    // row i of [T, I] = silu(g_i) * u_i, packed in place
        var projected = _workspace.Projected.AsSpan(0, t * h);
        _ops.MatMul.MatMul(gateUp[..(t * inter)], t, w.DownProj!, projected);
        if (lora)
        {
            _ops.LoraDeltas.Add(batch, layer, LoraTarget.DownProj, gateUp[..(t * inter)], inter, projected, h, 0);
        }
    }

    /// <summary>
    /// The final RMSNorm over the requested rows only (logits rows, then hidden rows), and logits = norm(x) W_lm^T over
    /// the logits rows; a pass without logits rows (embeddings, a prompt chunk) never reads the LM head.
    /// </summary>
    private ForwardOutput Head(ForwardBatch batch, ReadOnlySpan<float> x)
    {
        int h = _dims.Hidden;
        int logitRows = batch.LogitTokens.Count;
        var ws = _workspace;
        var normed = ws.HeadRows.AsSpan(0, (logitRows + batch.HiddenTokens.Count) * h);
        Gather(x, batch.LogitTokens, normed);
        Gather(x, batch.HiddenTokens, normed[(logitRows * h)..]);
        _ops.RmsNorm.RmsNorm(normed, _weights.FinalNorm, _dims.RmsNormEps, normed);
        var logits = ws.Logits.AsSpan(0, logitRows * _dims.Vocab);
        if (logitRows > 0)
        {
            var lmHead = _weights.LmHead ?? throw new InvalidOperationException("This model was loaded without its LM head (it only pools): it computes no logits.");
            _ops.MatMul.MatMul(normed[..(logitRows * h)], logitRows, lmHead, logits);
        }

        return new ForwardOutput(logits, normed[(logitRows * h)..]);
    }

    /// <summary>Copies the residual rows <paramref name="tokens"/> of <paramref name="x"/> to the first rows of <paramref name="rows"/>.</summary>
    private void Gather(ReadOnlySpan<float> x, IReadOnlyList<int> tokens, Span<float> rows)
    {
        int h = _dims.Hidden;
        for (int r = 0; r < tokens.Count; r++)
        {
            x.Slice(tokens[r] * h, h).CopyTo(rows.Slice(r * h, h));
        }
    }
}

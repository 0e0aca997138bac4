using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops;
using static Worker.Runtime.Models.Decoder.DecoderTensorNames;

namespace Worker.Runtime.Models.Decoder;

/// <summary>All weights of a decoder checkpoint, checked against the config's shapes and copied out of the mapped files (safetensors or GGUF).</summary>
public sealed record DecoderWeights(
    WeightMatrix EmbedTokens,              // model.embed_tokens.weight [V, H]
    IReadOnlyList<DecoderLayerWeights> Layers,
    float[] FinalNorm,                     // model.norm.weight [H]
    WeightMatrix? LmHead)                  // lm_head.weight [V, H], or the embedding when tied; null when not loaded (a classifier)
{
    /// <exception cref="InvalidDataException">A tensor is missing or has the wrong shape.</exception>
    /// <param name="lmHead">Load the LM head; false leaves <see cref="LmHead"/> null.</param>
    public static DecoderWeights Load(ITensorSource checkpoint, DecoderSpec spec, IProgress<double>? progress = null, WeightLoader? loader = null, bool lmHead = true)
    {
        loader ??= new WeightLoader(Ops.Quantization.WeightQuantization.None);
        long v = spec.Vocab, h = spec.Hidden, i = spec.Intermediate, d = spec.HeadDim;
        long q = spec.QueryWidth, kv = spec.KvWidth;
        int total = spec.Layers + 2;
        int done = 0;

        WeightMatrix Matrix(string name, long rows, long cols) => loader.Matrix(checkpoint.Get(name, rows, cols));
        WeightMatrix Stacked(long cols, params (string Name, long Rows)[] parts) =>
            loader.Matrix([.. parts.Select(p => checkpoint.Get(p.Name, p.Rows, cols))]);
        float[] Vector(string name, long length)
        {
            var tensor = checkpoint.Get(name, length);
            var values = new float[length];
            tensor.CopyTo(values);
            return values;
        }

        float[]? Optional(bool present, string name, long length) => present ? Vector(name, length) : null;
        float[]? QkvBias(int l) => spec.QkvBias
            ? [.. Vector(Layer(l, "self_attn.q_proj.bias"), q), .. Vector(Layer(l, "self_attn.k_proj.bias"), kv), .. Vector(Layer(l, "self_attn.v_proj.bias"), kv)]
            : null;

        bool sparse(int l) => spec.IsSparse(l);
        float[] Vector2D(string name, long rows, long cols)
        {
            var values = new float[rows * cols];
            checkpoint.Get(name, rows, cols).CopyTo(values);
            return values;
        }

        ExpertWeights Experts(int l, MixtureOfExperts moe)
        {
            long e = moe.ExpertIntermediate, s = moe.SharedExpertIntermediate;
            var gateUp = new WeightMatrix[moe.Experts];
            var down = new WeightMatrix[moe.Experts];
            for (int x = 0; x < moe.Experts; x++)
            {
                string prefix = $"mlp.experts.{x}.";
                gateUp[x] = Stacked(h, (Layer(l, prefix + "gate_proj.weight"), e), (Layer(l, prefix + "up_proj.weight"), e));
                down[x] = Matrix(Layer(l, prefix + "down_proj.weight"), h, e);
            }

            bool shared = s > 0;
            return new ExpertWeights(
                Vector2D(Layer(l, "mlp.gate.weight"), moe.Experts, h),
                gateUp,
                down,
                shared ? Stacked(h, (Layer(l, "mlp.shared_expert.gate_proj.weight"), s), (Layer(l, "mlp.shared_expert.up_proj.weight"), s)) : null,
                shared ? Matrix(Layer(l, "mlp.shared_expert.down_proj.weight"), h, s) : null,
                shared ? Vector2D(Layer(l, "mlp.shared_expert_gate.weight"), 1, h) : null);
        }

        var embed = Matrix(Embedding, v, h);
        progress?.Report(++done / (double)total);
        var layers = new DecoderLayerWeights[spec.Layers];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new DecoderLayerWeights(
                Vector(Layer(l, "input_layernorm.weight"), h),
                Stacked(h, (Layer(l, "self_attn.q_proj.weight"), q), (Layer(l, "self_attn.k_proj.weight"), kv), (Layer(l, "self_attn.v_proj.weight"), kv)),
                QkvBias(l),
                Optional(spec.QkNorm, Layer(l, "self_attn.q_norm.weight"), d),
                Optional(spec.QkNorm, Layer(l, "self_attn.k_norm.weight"), d),
                Matrix(Layer(l, "self_attn.o_proj.weight"), h, q),
                Vector(Layer(l, "post_attention_layernorm.weight"), h),
                sparse(l) ? null : Stacked(h, (Layer(l, "mlp.gate_proj.weight"), i), (Layer(l, "mlp.up_proj.weight"), i)),
                sparse(l) ? null : Matrix(Layer(l, "mlp.down_proj.weight"), h, i),
                sparse(l) ? Experts(l, spec.Moe!) : null);
            progress?.Report(++done / (double)total);
        }

        var norm = Vector(DecoderTensorNames.FinalNorm, h);
        var head = !lmHead ? null : spec.TieWordEmbeddings ? embed : Matrix(DecoderTensorNames.LmHead, v, h);
        progress?.Report(1.0);
        return new DecoderWeights(embed, layers, norm, head);
    }
}

using Worker.Runtime.Checkpoints;

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// The tensors of a Qwen2 / Qwen3 / Llama checkpoint with their Hugging Face names and shapes. The three share
/// transformers' module names; they differ only in which optional tensors exist (q/k/v biases, q/k norms,
/// lm_head; a sparse layer's router and experts in place of its MLP), which <see cref="DecoderSpec"/>'s switches decide.
/// </summary>
public static class DecoderTensorNames
{
    public const string Embedding = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string LmHead = "lm_head.weight";

    public static string Layer(int layer, string suffix) => $"model.layers.{layer}.{suffix}";

    /// <summary>Every tensor in file order: embedding, layers, final norm, then lm_head when untied.</summary>
    public static IReadOnlyList<TensorSpec> All(DecoderSpec spec)
    {
        long h = spec.Hidden, i = spec.Intermediate, d = spec.HeadDim;
        long q = spec.QueryWidth, kv = spec.KvWidth;
        var list = new List<TensorSpec> { new(Embedding, [spec.Vocab, h]) };
        for (int l = 0; l < spec.Layers; l++)
        {
            list.Add(new(Layer(l, "input_layernorm.weight"), [h]));
            list.Add(new(Layer(l, "self_attn.q_proj.weight"), [q, h]));
            if (spec.QkvBias)
            {
                list.Add(new(Layer(l, "self_attn.q_proj.bias"), [q]));
            }

            list.Add(new(Layer(l, "self_attn.k_proj.weight"), [kv, h]));
            if (spec.QkvBias)
            {
                list.Add(new(Layer(l, "self_attn.k_proj.bias"), [kv]));
            }

            list.Add(new(Layer(l, "self_attn.v_proj.weight"), [kv, h]));
            if (spec.QkvBias)
            {
                list.Add(new(Layer(l, "self_attn.v_proj.bias"), [kv]));
            }

            if (spec.QkNorm)
            {
                list.Add(new(Layer(l, "self_attn.q_norm.weight"), [d]));
                list.Add(new(Layer(l, "self_attn.k_norm.weight"), [d]));
            }

            list.Add(new(Layer(l, "self_attn.o_proj.weight"), [h, q]));
            list.Add(new(Layer(l, "post_attention_layernorm.weight"), [h]));
            if (spec.Moe is { } moe && spec.IsSparse(l))
            {
                list.Add(new(Layer(l, "mlp.gate.weight"), [moe.Experts, h]));
                for (int e = 0; e < moe.Experts; e++)
                {
                    AddMlp(list, l, $"mlp.experts.{e}.", h, moe.ExpertIntermediate);
                }

                if (moe.SharedExpertIntermediate > 0)
                {
                    AddMlp(list, l, "mlp.shared_expert.", h, moe.SharedExpertIntermediate);
                    list.Add(new(Layer(l, "mlp.shared_expert_gate.weight"), [1, h]));
                }
            }
            else
            {
                AddMlp(list, l, "mlp.", h, i);
            }
        }

        list.Add(new(FinalNorm, [h]));
        if (!spec.TieWordEmbeddings)
        {
            list.Add(new(LmHead, [spec.Vocab, h]));
        }

        return list;
    }

    /// <summary>A SwiGLU MLP's gate, up and down projections under <paramref name="prefix"/> (mlp., an expert's, the shared expert's).</summary>
    private static void AddMlp(List<TensorSpec> list, int layer, string prefix, long hidden, long intermediate)
    {
        list.Add(new(Layer(layer, prefix + "gate_proj.weight"), [intermediate, hidden]));
        list.Add(new(Layer(layer, prefix + "up_proj.weight"), [intermediate, hidden]));
        list.Add(new(Layer(layer, prefix + "down_proj.weight"), [hidden, intermediate]));
    }
}

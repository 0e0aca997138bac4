using Worker.Runtime.Checkpoints;

namespace Worker.Runtime.Models.Qwen2;

/// <summary>The tensors of a Qwen2ForCausalLM checkpoint, with Hugging Face names and shapes.</summary>
public static class Qwen2TensorNames
{
    public const string Embedding = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string LmHead = "lm_head.weight";

    public static string Layer(int layer, string suffix) => $"model.layers.{layer}.{suffix}";

    /// <summary>Every tensor in file order: embedding, layers, final norm, then lm_head when untied.</summary>
    public static IReadOnlyList<TensorSpec> All(
        int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads, bool tied)
    {
        int headDim = hidden / heads;
        long q = (long)heads * headDim;
        long kv = (long)kvHeads * headDim;
        var list = new List<TensorSpec> { new(Embedding, [vocab, hidden]) };
        for (int i = 0; i < layers; i++)
        {
            list.Add(new(Layer(i, "input_layernorm.weight"), [hidden]));
            list.Add(new(Layer(i, "self_attn.q_proj.weight"), [q, hidden]));
            list.Add(new(Layer(i, "self_attn.q_proj.bias"), [q]));
            list.Add(new(Layer(i, "self_attn.k_proj.weight"), [kv, hidden]));
            list.Add(new(Layer(i, "self_attn.k_proj.bias"), [kv]));
            list.Add(new(Layer(i, "self_attn.v_proj.weight"), [kv, hidden]));
            list.Add(new(Layer(i, "self_attn.v_proj.bias"), [kv]));
            list.Add(new(Layer(i, "self_attn.o_proj.weight"), [hidden, q]));
            list.Add(new(Layer(i, "post_attention_layernorm.weight"), [hidden]));
            list.Add(new(Layer(i, "mlp.gate_proj.weight"), [intermediate, hidden]));
            list.Add(new(Layer(i, "mlp.up_proj.weight"), [intermediate, hidden]));
            list.Add(new(Layer(i, "mlp.down_proj.weight"), [hidden, intermediate]));
        }

        list.Add(new(FinalNorm, [hidden]));
        if (!tied)
        {
            list.Add(new(LmHead, [vocab, hidden]));
        }

        return list;
    }
}

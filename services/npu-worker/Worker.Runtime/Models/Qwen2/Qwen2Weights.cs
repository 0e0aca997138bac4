using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops;
using static Worker.Runtime.Models.Qwen2.Qwen2TensorNames;

namespace Worker.Runtime.Models.Qwen2;

/// <summary>All weights of a Qwen2ForCausalLM, checked against config.json shapes and copied out of the mapped file.</summary>
public sealed record Qwen2Weights(
    WeightMatrix EmbedTokens,              // model.embed_tokens.weight [V, H]
    IReadOnlyList<Qwen2LayerWeights> Layers,
    float[] FinalNorm,                     // model.norm.weight [H]
    WeightMatrix LmHead)                   // lm_head.weight [V, H], or the embedding when tied
{
    /// <exception cref="InvalidDataException">A tensor is missing or has the wrong shape.</exception>
    public static Qwen2Weights Load(SafetensorsCheckpoint checkpoint, Qwen2Config config, IProgress<double>? progress = null, WeightLoader? loader = null)
    {
        loader ??= new WeightLoader(Ops.Quantization.WeightQuantization.None);
        long v = config.VocabSize, h = config.HiddenSize, i = config.IntermediateSize;
        long q = (long)config.NumAttentionHeads * config.HeadDim;
        long kv = (long)config.NumKeyValueHeads * config.HeadDim;
        int total = config.NumHiddenLayers + 2;
        int done = 0;

        WeightMatrix Matrix(string name, long rows, long cols) => loader.Matrix(checkpoint.Get(name, rows, cols));
        float[] Vector(string name, long length)
        {
            var tensor = checkpoint.Get(name, length);
            var values = new float[length];
            tensor.CopyTo(values);
            return values;
        }

        var embed = Matrix(Embedding, v, h);
        progress?.Report(++done / (double)total);
        var layers = new Qwen2LayerWeights[config.NumHiddenLayers];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new Qwen2LayerWeights(
                Vector(Layer(l, "input_layernorm.weight"), h),
                Matrix(Layer(l, "self_attn.q_proj.weight"), q, h),
                Vector(Layer(l, "self_attn.q_proj.bias"), q),
                Matrix(Layer(l, "self_attn.k_proj.weight"), kv, h),
                Vector(Layer(l, "self_attn.k_proj.bias"), kv),
                Matrix(Layer(l, "self_attn.v_proj.weight"), kv, h),
                Vector(Layer(l, "self_attn.v_proj.bias"), kv),
                Matrix(Layer(l, "self_attn.o_proj.weight"), h, q),
                Vector(Layer(l, "post_attention_layernorm.weight"), h),
                Matrix(Layer(l, "mlp.gate_proj.weight"), i, h),
                Matrix(Layer(l, "mlp.up_proj.weight"), i, h),
                Matrix(Layer(l, "mlp.down_proj.weight"), h, i));
            progress?.Report(++done / (double)total);
        }

        var norm = Vector(Qwen2TensorNames.FinalNorm, h);
        var lmHead = config.TieWordEmbeddings ? embed : Matrix(Qwen2TensorNames.LmHead, v, h);
        progress?.Report(1.0);
        return new Qwen2Weights(embed, layers, norm, lmHead);
    }
}

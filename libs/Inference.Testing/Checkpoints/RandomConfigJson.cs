using System.Text.Json.Nodes;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Models.Decoder;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// config.json and generation_config.json of a random checkpoint, with each family's field names and values as
/// transformers writes them for its real checkpoints (keys sorted, as save_pretrained does). Every family uses the
/// Qwen vocabulary, so bos is &lt;|endoftext|&gt; and eos &lt;|im_end|&gt; (then &lt;|endoftext|&gt;) for all three.
/// </summary>
public static class RandomConfigJson
{
    public const int BosTokenId = 151643;     // <|endoftext|>
    public const int ImEndTokenId = 151645;   // <|im_end|>

    public static JsonObject Config(RandomModelSpec spec)
    {
        var traits = spec.Traits;
        int context = spec.Context;
        var fields = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["architectures"] = new JsonArray(spec.ArchitectureName),
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = ImEndTokenId,
            ["hidden_act"] = "silu",
            ["hidden_size"] = spec.HiddenSize,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = spec.IntermediateSize,
            ["max_position_embeddings"] = spec.RopeScaling?.MaxPositionEmbeddings(context) ?? context,
            ["model_type"] = traits.ModelType,
            ["num_attention_heads"] = spec.NumAttentionHeads,
            ["num_hidden_layers"] = spec.NumHiddenLayers,
            ["num_key_value_heads"] = spec.NumKeyValueHeads,
            ["rms_norm_eps"] = traits.RmsNormEps,
            ["rope_scaling"] = spec.RopeScaling?.ToJson(context),
            ["rope_theta"] = traits.RopeTheta,
            ["tie_word_embeddings"] = spec.TieWordEmbeddings,
            ["torch_dtype"] = spec.DType == TensorDType.F16 ? "float16" : "bfloat16",
            ["use_cache"] = true,
            ["vocab_size"] = spec.VocabSize,
        };

        if (spec.Labels is { } labels)
        {
            // As transformers saves a classifier's config: both maps, the indices as strings.
            fields["id2label"] = new JsonObject(labels.Select((name, i) => KeyValuePair.Create(i.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)name)));
            fields["label2id"] = new JsonObject(labels.Select((name, i) => KeyValuePair.Create(name, (JsonNode?)i)));
        }

        switch (spec.Family)
        {
            case CheckpointFamily.Qwen2:
            case CheckpointFamily.Qwen2Moe:
                fields["max_window_layers"] = spec.NumHiddenLayers;
                fields["sliding_window"] = context;
                fields["use_sliding_window"] = false;
                if (spec.Family == CheckpointFamily.Qwen2 && spec.ExplicitHeadDim is int qwen2HeadDim)
                {
                    fields["head_dim"] = qwen2HeadDim;
                }

                break;
            case CheckpointFamily.Qwen3:
            case CheckpointFamily.Qwen3Moe:
                fields["attention_bias"] = false;
                fields["head_dim"] = spec.HeadDim;
                fields["max_window_layers"] = spec.NumHiddenLayers;
                fields["sliding_window"] = null;
                fields["use_sliding_window"] = false;
                break;
            case CheckpointFamily.Llama:
                fields["attention_bias"] = false;
                fields["head_dim"] = spec.HeadDim;
                fields["mlp_bias"] = false;
                fields["pretraining_tp"] = 1;
                break;
        }

        if (spec.Experts is { } moe)
        {
            AddExperts(fields, moe);
            if (spec.Family == CheckpointFamily.Qwen2Moe)
            {
                fields["shared_expert_intermediate_size"] = moe.SharedExpertIntermediate;
            }
        }

        var json = new JsonObject();
        foreach (var (key, value) in fields)
        {
            json[key] = value;
        }

        return json;
    }

    /// <summary>The MoE fields transformers' Qwen3MoeConfig and Qwen2MoeConfig save (router training fields included, as real checkpoints carry them).</summary>
    private static void AddExperts(SortedDictionary<string, JsonNode?> fields, MixtureOfExperts moe)
    {
        fields["decoder_sparse_step"] = moe.SparseStep;
        fields["mlp_only_layers"] = new JsonArray([.. moe.DenseLayers.Select(l => (JsonNode?)l)]);
        fields["moe_intermediate_size"] = moe.ExpertIntermediate;
        fields["norm_topk_prob"] = moe.NormTopKProb;
        fields["num_experts"] = moe.Experts;
        fields["num_experts_per_tok"] = moe.ExpertsPerToken;
        fields["output_router_logits"] = false;
        fields["router_aux_loss_coef"] = 0.001;
    }

    public static JsonObject GenerationConfig() => new()
    {
        ["bos_token_id"] = BosTokenId,
        ["do_sample"] = false,
        ["eos_token_id"] = new JsonArray(ImEndTokenId, BosTokenId),
    };
}

using Inference.Gguf;

namespace Inference.Cli.Gguf;

/// <summary>The general.* and &lt;arch&gt;.* keys of a converted checkpoint, as convert_hf_to_gguf.py writes them.</summary>
public static class GgufModelMetadata
{
    /// <summary>llama.cpp's GGML_QNT_VERSION, written by every converter.</summary>
    private const uint QuantizationVersion = 2;

    /// <exception cref="InvalidDataException">rope_scaling is of a type this architecture does not carry over.</exception>
    public static void Add(GgufMetadata metadata, HfModelConfig config, GgufArchitecture architecture, string name, GgufFileType fileType)
    {
        string arch = architecture.GgufName;
        metadata[GgufKeys.Architecture] = GgufValue.String(arch);
        metadata[GgufKeys.Type] = GgufValue.String("model");
        metadata[GgufKeys.Name] = GgufValue.String(name);
        metadata[GgufKeys.ContextLength(arch)] = UInt(config.MaxPositionEmbeddings);
        metadata[GgufKeys.EmbeddingLength(arch)] = UInt(config.HiddenSize);
        metadata[GgufKeys.FeedForwardLength(arch)] = UInt(config.IntermediateSize);
        metadata[GgufKeys.BlockCount(arch)] = UInt(config.NumHiddenLayers);
        metadata[GgufKeys.HeadCount(arch)] = UInt(config.NumAttentionHeads);
        metadata[GgufKeys.HeadCountKv(arch)] = UInt(config.NumKeyValueHeads);
        metadata[GgufKeys.RopeFreqBase(arch)] = GgufValue.Float32((float)config.RopeTheta);
        metadata[GgufKeys.LayerNormRmsEpsilon(arch)] = GgufValue.Float32((float)config.RmsNormEps);
        int headDim = architecture.HeadDim(config);
        if (config.HeadDim is not null || headDim != config.HiddenSize / config.NumAttentionHeads)
        {
            metadata[GgufKeys.KeyLength(arch)] = UInt(headDim);
            metadata[GgufKeys.ValueLength(arch)] = UInt(headDim);
        }

        if (architecture.WritesVocabSizeAndRopeDimensions)
        {
            metadata[GgufKeys.VocabSize(arch)] = UInt(config.VocabSize);
            metadata[GgufKeys.RopeDimensionCount(arch)] = UInt(headDim);
        }

        AddRopeScaling(metadata, config, architecture);
        AddExperts(metadata, config, architecture);
        metadata[GgufKeys.FileType] = GgufValue.UInt32((uint)fileType);
        metadata[GgufKeys.QuantizationVersion] = GgufValue.UInt32(QuantizationVersion);
    }

    private static void AddRopeScaling(GgufMetadata metadata, HfModelConfig config, GgufArchitecture architecture)
    {
        if (config.RopeScaling is not { } scaling)
        {
            return;
        }

        if (!architecture.RopeScalingTypes.Contains(scaling.Type))
        {
            throw new InvalidDataException(
                $"rope_scaling type '{scaling.Type}' of {architecture.HfName} has no GGUF mapping here; supported: {string.Join(", ", architecture.RopeScalingTypes)}.");
        }

        string arch = architecture.GgufName;
        switch (scaling.Type)
        {
            case "yarn":
                metadata[GgufKeys.RopeScalingType(arch)] = GgufValue.String("yarn");
                metadata[GgufKeys.RopeScalingFactor(arch)] = GgufValue.Float32((float)scaling.Factor);
                metadata[GgufKeys.RopeScalingOriginalContextLength(arch)] = UInt(
                    scaling.OriginalMaxPositionEmbeddings ?? throw new InvalidDataException("rope_scaling 'yarn' needs 'original_max_position_embeddings'."));
                break;
            case "linear":
                metadata[GgufKeys.RopeScalingType(arch)] = GgufValue.String("linear");
                metadata[GgufKeys.RopeScalingFactor(arch)] = GgufValue.Float32((float)scaling.Factor);
                break;
            case "llama3":
                // Carried by the rope_freqs.weight tensor (RopeFrequencyFactors), not by keys.
                break;
        }
    }

    /// <summary>
    /// A mixture of experts' keys, as convert_hf_to_gguf.py writes them, after checking that llama.cpp's graph runs the
    /// experts as config.json says: every layer sparse, and norm_topk_prob as the graph fixes it.
    /// </summary>
    /// <exception cref="InvalidDataException">The config has no experts, or experts llama.cpp would run differently (names the field).</exception>
    private static void AddExperts(GgufMetadata metadata, HfModelConfig config, GgufArchitecture architecture)
    {
        if (architecture.Experts is not { } graph)
        {
            return;
        }

        string arch = architecture.GgufName;
        var experts = config.Experts ?? throw new InvalidDataException($"{architecture.HfName} needs 'num_experts'.");
        if (experts.NormTopKProb != graph.NormTopKProb)
        {
            throw new InvalidDataException(
                $"norm_topk_prob {experts.NormTopKProb.ToString().ToLowerInvariant()} has no GGUF form: llama.cpp's {arch} graph {(graph.NormTopKProb ? "always" : "never")} renormalizes the chosen experts' probabilities.");
        }

        if (experts.DecoderSparseStep != 1 || experts.MlpOnlyLayerCount > 0)
        {
            throw new InvalidDataException(
                $"decoder_sparse_step {experts.DecoderSparseStep} with {experts.MlpOnlyLayerCount} mlp_only_layers has no GGUF form: llama.cpp's {arch} graph runs experts in every layer.");
        }

        metadata[GgufKeys.ExpertCount(arch)] = UInt(experts.NumExperts);
        metadata[GgufKeys.ExpertUsedCount(arch)] = UInt(experts.NumExpertsPerTok);
        metadata[GgufKeys.ExpertFeedForwardLength(arch)] = UInt(experts.MoeIntermediateSize);
        if (graph.SharedExpert)
        {
            metadata[GgufKeys.ExpertSharedFeedForwardLength(arch)] = UInt(
                experts.SharedExpertIntermediateSize ?? throw new InvalidDataException($"{architecture.HfName} needs 'shared_expert_intermediate_size'."));
        }
    }

    private static GgufValue UInt(int value) => GgufValue.UInt32(checked((uint)value));
}

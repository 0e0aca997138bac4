using System.Text.Json;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops;
using static Worker.Runtime.Models.ConfigJson;

namespace Worker.Runtime.Models.Qwen2;

/// <summary>The Qwen2 fields of a Hugging Face config.json (plus eos ids from generation_config.json).</summary>
public sealed record Qwen2Config(
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int MaxPositionEmbeddings,
    double RmsNormEps,
    double RopeTheta,
    bool TieWordEmbeddings,
    IReadOnlyList<int> EosTokenIds) : ICausalLmConfig
{
    public const string ArchitectureName = "Qwen2ForCausalLM";

    public string Architecture => ArchitectureName;

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Reads config.json and generation_config.json from a model folder whose architecture is Qwen2 (see <see cref="ModelRegistry"/>).</summary>
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">A field is missing or invalid.</exception>
    public static Qwen2Config Load(string directory)
    {
        using var document = Open(directory, out string path);
        var root = document.RootElement;
        if (root.TryGetProperty("hidden_act", out var act) && act.GetString() != "silu")
        {
            throw new InvalidDataException($"{path}: hidden_act '{act.GetString()}' is not supported; expected 'silu'.");
        }

        if (root.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind != JsonValueKind.Null)
        {
            throw new InvalidDataException($"{path}: rope_scaling is not supported; expected null or absent.");
        }

        int heads = RequiredInt(root, path, "num_attention_heads");
        var config = new Qwen2Config(
            RequiredInt(root, path, "vocab_size"),
            RequiredInt(root, path, "hidden_size"),
            RequiredInt(root, path, "intermediate_size"),
            RequiredInt(root, path, "num_hidden_layers"),
            heads,
            OptionalInt(root, path, "num_key_value_heads") ?? heads,
            OptionalInt(root, path, "max_position_embeddings") ?? 32768,
            OptionalDouble(root, path, "rms_norm_eps") ?? 1e-6,
            OptionalDouble(root, path, "rope_theta") ?? 10000.0,
            root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True,
            LoadEosTokenIds(directory, root));
        config.Validate(path);
        return config;
    }

    public ICausalLm LoadModel(SafetensorsCheckpoint checkpoint, DeviceOps ops, IProgress<double>? progress) =>
        new Qwen2Model(this, Qwen2Weights.Load(checkpoint, this, progress, ops.Weights), ops);

    private void Validate(string path)
    {
        Check(VocabSize > 0, $"vocab_size must be > 0, got {VocabSize}");
        Check(HiddenSize > 0, $"hidden_size must be > 0, got {HiddenSize}");
        Check(IntermediateSize > 0, $"intermediate_size must be > 0, got {IntermediateSize}");
        Check(NumHiddenLayers > 0, $"num_hidden_layers must be > 0, got {NumHiddenLayers}");
        Check(NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0 && HeadDim % 2 == 0,
            $"num_attention_heads must divide hidden_size {HiddenSize} into an even head_dim, got {NumAttentionHeads}");
        Check(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0,
            $"num_key_value_heads must divide num_attention_heads {NumAttentionHeads}, got {NumKeyValueHeads}");
        Check(MaxPositionEmbeddings > 0, $"max_position_embeddings must be > 0, got {MaxPositionEmbeddings}");
        Check(RmsNormEps > 0, $"rms_norm_eps must be > 0, got {RmsNormEps}");
        Check(RopeTheta > 0, $"rope_theta must be > 0, got {RopeTheta}");

        void Check(bool condition, string message)
        {
            if (!condition)
            {
                throw new InvalidDataException($"{path}: {message}.");
            }
        }
    }
}

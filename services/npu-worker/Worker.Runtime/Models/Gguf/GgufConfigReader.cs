using Inference.Gguf;
using Worker.Runtime.Models.Decoder;
using Worker.Runtime.Models.Llama;
using Worker.Runtime.Models.Qwen2;
using Worker.Runtime.Models.Qwen2Moe;
using Worker.Runtime.Models.Qwen3;
using Worker.Runtime.Models.Qwen3Moe;
using static Worker.Runtime.Models.Gguf.GgufMetadataValues;

namespace Worker.Runtime.Models.Gguf;

/// <summary>
/// Reads a GGUF file's metadata (llama.cpp's keys, as convert_hf_to_gguf.py writes them) into the decoder's terms,
/// for the architectures the worker runs: general.architecture qwen2, qwen3, llama, qwen3moe or qwen2moe. Sizes come from the
/// &lt;arch&gt;.* keys, the vocabulary from the token list, eos (and eot) from tokenizer.ggml.*, tied embeddings from
/// the absence of output.weight, q/k/v biases from the presence of attn_q.bias, and RoPE scaling from
/// rope.scaling.type yarn or the rope_freqs.weight tensor (llama3). Anything else is refused by name.
/// </summary>
public static class GgufConfigReader
{
    /// <summary>GGUF architecture → the Hugging Face architecture it was converted from, its rules, and whether Q/K rows are permuted.</summary>
    private static readonly Dictionary<string, (string HfName, DecoderConfigRules Rules, bool PermutedQueryKey)> Architectures = new(StringComparer.Ordinal)
    {
        ["qwen2"] = (Qwen2Config.ArchitectureName, Qwen2Config.Rules, false),
        ["qwen3"] = (Qwen3Config.ArchitectureName, Qwen3Config.Rules, false),
        ["llama"] = (LlamaConfig.ArchitectureName, LlamaConfig.Rules, true),
        ["qwen3moe"] = (Qwen3MoeConfig.ArchitectureName, Qwen3MoeConfig.Rules, false),
        ["qwen2moe"] = (Qwen2MoeConfig.ArchitectureName, Qwen2MoeConfig.Rules, false),
    };

    /// <summary>The GGUF architecture names this worker runs, sorted.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } = [.. Architectures.Keys.Order(StringComparer.Ordinal)];

    /// <returns>The config, and for llama the head counts whose Q and K rows the file stores permuted.</returns>
    /// <exception cref="InvalidDataException">The architecture, a key or the RoPE scaling is missing, invalid or not supported (the message names it).</exception>
    public static (DecoderConfig Config, (int Heads, int KvHeads)? PermutedQueryKey) Read(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string arch = OptionalString(file, GgufKeys.Architecture)
            ?? throw new InvalidDataException($"{file.Path}: missing '{GgufKeys.Architecture}'.");
        if (!Architectures.TryGetValue(arch, out var known))
        {
            throw new InvalidDataException(
                $"{file.Path}: {GgufKeys.Architecture} '{arch}' is not supported; this worker runs {string.Join(", ", SupportedArchitectures)}.");
        }

        int hidden = RequiredInt(file, GgufKeys.EmbeddingLength(arch));
        int heads = RequiredInt(file, GgufKeys.HeadCount(arch));
        Check(file, heads > 0, $"{GgufKeys.HeadCount(arch)} must be > 0, got {heads}");
        int kvHeads = OptionalInt(file, GgufKeys.HeadCountKv(arch)) ?? heads;
        int headDim = OptionalInt(file, GgufKeys.KeyLength(arch)) ?? hidden / heads;
        Check(file, headDim > 0 && headDim % 2 == 0, $"{GgufKeys.KeyLength(arch)} must be even and > 0 (rotary embedding), got {headDim}");
        Check(file, (OptionalInt(file, GgufKeys.ValueLength(arch)) ?? headDim) == headDim,
            $"{GgufKeys.ValueLength(arch)} must equal the key length {headDim}");
        Check(file, (OptionalInt(file, GgufKeys.RopeDimensionCount(arch)) ?? headDim) == headDim,
            $"{GgufKeys.RopeDimensionCount(arch)} must equal the head size {headDim} (partial rotary embedding is not supported)");
        int context = RequiredInt(file, GgufKeys.ContextLength(arch));
        Check(file, context > 0, $"{GgufKeys.ContextLength(arch)} must be > 0, got {context}");
        double theta = OptionalDouble(file, GgufKeys.RopeFreqBase(arch)) ?? 10000.0;
        Check(file, theta > 0, $"{GgufKeys.RopeFreqBase(arch)} must be > 0, got {theta}");
        var scaling = GgufRopeScalingReader.Read(file, arch, theta, headDim, context);

        var spec = new DecoderSpec(
            VocabSize(file, arch),
            hidden,
            RequiredInt(file, GgufKeys.FeedForwardLength(arch)),
            RequiredInt(file, GgufKeys.BlockCount(arch)),
            heads,
            kvHeads,
            headDim,
            (float)(OptionalDouble(file, GgufKeys.LayerNormRmsEpsilon(arch)) ?? 1e-6),
            known.Rules.QkvBias ?? HasTensor(file, GgufTensorNames.Block(0, "attn_q.bias")),
            known.Rules.QkNorm,
            !HasTensor(file, GgufTensorNames.Output),
            new RotaryEmbedding(theta, headDim, scaling),
            Experts(file, arch, known.Rules.Experts));
        new DecoderSpecNames(
            $"the vocabulary size ({GgufKeys.Tokens})", GgufKeys.EmbeddingLength(arch), GgufKeys.FeedForwardLength(arch), GgufKeys.BlockCount(arch),
            GgufKeys.HeadCount(arch), GgufKeys.HeadCountKv(arch), GgufKeys.LayerNormRmsEpsilon(arch)).Validate(spec, file.Path);
        var config = new DecoderConfig(known.HfName, spec, scaling?.ContextLength(context) ?? context, EosTokenIds(file));
        return (config, known.PermutedQueryKey ? (heads, kvHeads) : null);
    }

    /// <summary>
    /// A MoE architecture's experts from &lt;arch&gt;.expert_count, expert_used_count, expert_feed_forward_length (and
    /// expert_shared_feed_forward_length), as llama.cpp runs them: every layer sparse, the chosen probabilities
    /// renormalized for qwen3moe and not for qwen2moe (llama.cpp's graphs fix both; the file carries neither).
    /// </summary>
    private static MixtureOfExperts? Experts(GgufFile file, string arch, ExpertLayout layout)
    {
        if (layout == ExpertLayout.None)
        {
            return null;
        }

        int experts = RequiredInt(file, GgufKeys.ExpertCount(arch));
        Check(file, experts > 0, $"{GgufKeys.ExpertCount(arch)} must be > 0, got {experts}");
        int used = RequiredInt(file, GgufKeys.ExpertUsedCount(arch));
        Check(file, used > 0 && used <= experts, $"{GgufKeys.ExpertUsedCount(arch)} must be in [1, {experts}], got {used}");
        int width = RequiredInt(file, GgufKeys.ExpertFeedForwardLength(arch));
        Check(file, width > 0, $"{GgufKeys.ExpertFeedForwardLength(arch)} must be > 0, got {width}");
        int shared = 0;
        if (layout == ExpertLayout.RoutedAndShared)
        {
            shared = RequiredInt(file, GgufKeys.ExpertSharedFeedForwardLength(arch));
            Check(file, shared > 0, $"{GgufKeys.ExpertSharedFeedForwardLength(arch)} must be > 0, got {shared}");
        }

        return new MixtureOfExperts(experts, used, width, NormTopKProb: layout == ExpertLayout.Routed, SparseStep: 1, DenseLayers: [], shared);
    }

    /// <summary>The token list's length (convert_hf_to_gguf.py pads it to the model's vocab_size), else &lt;arch&gt;.vocab_size.</summary>
    private static int VocabSize(GgufFile file, string arch) =>
        file.Metadata.TryGet(GgufKeys.Tokens, out var tokens) && tokens.Value is string[] list
            ? list.Length
            : OptionalInt(file, GgufKeys.VocabSize(arch))
              ?? throw new InvalidDataException($"{file.Path}: neither '{GgufKeys.Tokens}' nor '{GgufKeys.VocabSize(arch)}' gives the vocabulary size.");

    /// <summary>llama.cpp stops on the eos token and, where the file names one, the end-of-turn token.</summary>
    private static IReadOnlyList<int> EosTokenIds(GgufFile file) =>
        new[] { OptionalInt(file, GgufKeys.EosTokenId), OptionalInt(file, GgufKeys.EotTokenId) }
            .OfType<int>().Distinct().ToArray();

    private static bool HasTensor(GgufFile file, string name) => file.Tensors.Any(t => t.Name == name);

    internal static void Check(GgufFile file, bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException($"{file.Path}: {message}.");
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Inference.Abstractions.Execution;
using Inference.Torch;
using Worker.Runtime.Checkpoints;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// Turns a written checkpoint folder into an embedding model laid out as Qwen3-Embedding ships: sentence-transformers'
/// <c>modules.json</c> (Transformer, then last-token Pooling, then Normalize), the Pooling module's config, a tokenizer
/// whose post-processor appends <c>&lt;|endoftext|&gt;</c> to every text (the token whose hidden state is the embedding),
/// and <c>is_matryoshka</c> in config.json (how vLLM is told that a prefix of the embedding is an embedding). Another
/// pooling mode, and a Dense module after the pooling (as stella_en_1.5B_v5 ships: mean pooling, then a projection),
/// make the other layouts sentence-transformers saves.
/// </summary>
public static class SentenceTransformersLayout
{
    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> in the Qwen2.5 and Qwen3 vocabularies.</summary>
    public const int EndOfTextId = 151643;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Each pooling mode's flag in the Pooling module's config.json.</summary>
    public static IReadOnlyDictionary<PoolingMode, string> ModeFields { get; } = new Dictionary<PoolingMode, string>
    {
        [PoolingMode.Cls] = "pooling_mode_cls_token",
        [PoolingMode.Mean] = "pooling_mode_mean_tokens",
        [PoolingMode.Max] = "pooling_mode_max_tokens",
        [PoolingMode.MeanSqrtLength] = "pooling_mode_mean_sqrt_len_tokens",
        [PoolingMode.WeightedMean] = "pooling_mode_weightedmean_tokens",
        [PoolingMode.LastToken] = "pooling_mode_lasttoken",
    };

    /// <param name="pooling">The Pooling module's mode.</param>
    /// <param name="denseFeatures">With a value, a Dense module (identity activation, with bias) projects the pooled
    /// hidden_size values to that many, its fp32 weights uniform with std 1/sqrt(hidden_size) from <paramref name="seed"/>.</param>
    public static void Write(string directory, int hiddenSize, PoolingMode pooling = PoolingMode.LastToken, int? denseFeatures = null, ulong seed = 0)
    {
        var modules = new JsonArray(
            Module(0, "", "sentence_transformers.models.Transformer"),
            Module(1, "1_Pooling", "sentence_transformers.models.Pooling"));
        if (denseFeatures is { } features)
        {
            modules.Add(Module(2, DenseFolder, "sentence_transformers.models.Dense"));
            WriteDense(Path.Combine(directory, DenseFolder), hiddenSize, features, seed);
        }

        string normalizeFolder = $"{modules.Count}_Normalize";
        modules.Add(Module(modules.Count, normalizeFolder, "sentence_transformers.models.Normalize"));
        File.WriteAllText(Path.Combine(directory, "modules.json"), modules.ToJsonString(Indented));

        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        Directory.CreateDirectory(Path.Combine(directory, normalizeFolder));
        var poolingConfig = new JsonObject { ["word_embedding_dimension"] = hiddenSize };
        foreach (var (mode, field) in ModeFields)
        {
            poolingConfig[field] = mode == pooling;
        }

        poolingConfig["include_prompt"] = true;
        File.WriteAllText(Path.Combine(directory, "1_Pooling", "config.json"), poolingConfig.ToJsonString(Indented));

        var configPath = Path.Combine(directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["is_matryoshka"] = true;
        File.WriteAllText(configPath, config.ToJsonString(Indented));

        var tokenizerPath = Path.Combine(directory, "tokenizer.json");
        var tokenizer = JsonNode.Parse(File.ReadAllText(tokenizerPath))!.AsObject();
        tokenizer["post_processor"] = AppendEndOfText();
        File.WriteAllText(tokenizerPath, tokenizer.ToJsonString());
    }

    /// <summary>Where <see cref="Write"/> puts the Dense module.</summary>
    public const string DenseFolder = "2_Dense";

    /// <summary>
    /// A Dense module folder as sentence-transformers saves one: config.json and model.safetensors with linear.weight
    /// [out, in] and linear.bias [out] in fp32 (with <paramref name="pickle"/>, pytorch_model.bin instead, as older
    /// versions saved it). Returns the weights (row-major) and the biases.
    /// </summary>
    public static (float[] Weight, float[] Bias) WriteDense(string folder, int inFeatures, int outFeatures, ulong seed,
        string activation = "torch.nn.modules.linear.Identity", bool pickle = false)
    {
        Directory.CreateDirectory(folder);
        var config = new JsonObject
        {
            ["in_features"] = inFeatures,
            ["out_features"] = outFeatures,
            ["bias"] = true,
            ["activation_function"] = activation,
        };
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(Indented));

        var weight = Uniform(RandomWeights.TensorState("linear.weight", seed), (long)inFeatures * outFeatures, 1 / Math.Sqrt(inFeatures));
        var bias = Uniform(RandomWeights.TensorState("linear.bias", seed), outFeatures, 1 / Math.Sqrt(inFeatures));
        if (pickle)
        {
            TorchSaveWriter.Write(Path.Combine(folder, "pytorch_model.bin"),
                [new("linear.weight", [outFeatures, inFeatures], weight), new("linear.bias", [outFeatures], bias)]);
            return (weight, bias);
        }

        var layout = SafetensorsHeaderWriter.Build(
            [new TensorSpec("linear.weight", [outFeatures, inFeatures]), new TensorSpec("linear.bias", [outFeatures])], "F32", bytesPerElement: 4);
        using var file = File.Create(Path.Combine(folder, "model.safetensors"));
        file.Write(layout.HeaderBytes);
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes<float>(weight));
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes<float>(bias));
        return (weight, bias);
    }

    private static float[] Uniform(ulong state, long count, double std)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            double u = (RandomWeights.SplitMix64(state, (ulong)i) >> 11) * (1.0 / (1UL << 53));
            values[i] = (float)((2 * u - 1) * Math.Sqrt(3) * std);
        }

        return values;
    }

    private static JsonObject Module(int index, string path, string type) => new()
    {
        ["idx"] = index,
        ["name"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["path"] = path,
        ["type"] = type,
    };

    /// <summary>Hugging Face's TemplateProcessing: "$A &lt;|endoftext|&gt;" (and the same after each text of a pair).</summary>
    private static JsonObject AppendEndOfText()
    {
        static JsonObject Sequence(string id) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };
        static JsonObject EndOfText() => new() { ["SpecialToken"] = new JsonObject { ["id"] = "<|endoftext|>", ["type_id"] = 0 } };
        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(Sequence("A"), EndOfText()),
            ["pair"] = new JsonArray(Sequence("A"), EndOfText(), Sequence("B"), EndOfText()),
            ["special_tokens"] = new JsonObject
            {
                ["<|endoftext|>"] = new JsonObject
                {
                    ["id"] = "<|endoftext|>",
                    ["ids"] = new JsonArray(EndOfTextId),
                    ["tokens"] = new JsonArray("<|endoftext|>"),
                },
            },
        };
    }
}

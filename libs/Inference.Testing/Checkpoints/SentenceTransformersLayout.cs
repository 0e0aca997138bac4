using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// Turns a written checkpoint folder into an embedding model laid out as Qwen3-Embedding ships: sentence-transformers'
/// <c>modules.json</c> (Transformer, then last-token Pooling, then Normalize), the Pooling module's config, a tokenizer
/// whose post-processor appends <c>&lt;|endoftext|&gt;</c> to every text (the token whose hidden state is the embedding),
/// and <c>is_matryoshka</c> in config.json (how vLLM is told that a prefix of the embedding is an embedding).
/// </summary>
public static class SentenceTransformersLayout
{
    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> in the Qwen2.5 and Qwen3 vocabularies.</summary>
    public const int EndOfTextId = 151643;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(string directory, int hiddenSize)
    {
        var modules = new JsonArray(
            Module(0, "", "sentence_transformers.models.Transformer"),
            Module(1, "1_Pooling", "sentence_transformers.models.Pooling"),
            Module(2, "2_Normalize", "sentence_transformers.models.Normalize"));
        File.WriteAllText(Path.Combine(directory, "modules.json"), modules.ToJsonString(Indented));

        Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
        Directory.CreateDirectory(Path.Combine(directory, "2_Normalize"));
        var pooling = new JsonObject
        {
            ["word_embedding_dimension"] = hiddenSize,
            ["pooling_mode_cls_token"] = false,
            ["pooling_mode_mean_tokens"] = false,
            ["pooling_mode_max_tokens"] = false,
            ["pooling_mode_mean_sqrt_len_tokens"] = false,
            ["pooling_mode_weightedmean_tokens"] = false,
            ["pooling_mode_lasttoken"] = true,
            ["include_prompt"] = true,
        };
        File.WriteAllText(Path.Combine(directory, "1_Pooling", "config.json"), pooling.ToJsonString(Indented));

        var configPath = Path.Combine(directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["is_matryoshka"] = true;
        File.WriteAllText(configPath, config.ToJsonString(Indented));

        var tokenizerPath = Path.Combine(directory, "tokenizer.json");
        var tokenizer = JsonNode.Parse(File.ReadAllText(tokenizerPath))!.AsObject();
        tokenizer["post_processor"] = AppendEndOfText();
        File.WriteAllText(tokenizerPath, tokenizer.ToJsonString());
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

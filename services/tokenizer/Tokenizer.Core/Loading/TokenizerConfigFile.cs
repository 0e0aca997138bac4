using System.Text.Json;

namespace Tokenizer.Core.Loading;

/// <summary>
/// What tokenizer_config.json (and generation_config.json, chat_template.jinja beside it) contribute:
/// the chat template, BOS/EOS tokens and the transformers-level decode options.
/// </summary>
internal sealed class TokenizerConfigFile
{
    public string? ChatTemplate { get; init; }
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    /// <summary>eos_token_id from generation_config.json (an int or a list), in file order.</summary>
    public IReadOnlyList<int> GenerationEosTokenIds { get; init; } = [];

    public static TokenizerConfigFile Read(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (!File.Exists(path))
        {
            throw new TokenizerLoadException($"tokenizer_config.json not found at '{path}'.");
        }
        using JsonDocument document = Parse(path);
        JsonElement root = document.RootElement;
        if (root.TryGetProperty("clean_up_tokenization_spaces", out JsonElement cleanUp) && cleanUp.ValueKind == JsonValueKind.True)
        {
            throw new TokenizerLoadException(
                "tokenizer_config.json sets clean_up_tokenization_spaces=true, which this tokenizer does not reproduce.");
        }
        return new TokenizerConfigFile
        {
            ChatTemplate = ReadChatTemplate(modelDirectory, root),
            BosToken = ReadTokenText(root, "bos_token"),
            EosToken = ReadTokenText(root, "eos_token"),
            GenerationEosTokenIds = ReadGenerationEos(modelDirectory),
        };
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new TokenizerLoadException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>transformers prefers chat_template.jinja; else the config's string, or its "default" named template.</summary>
    private static string? ReadChatTemplate(string modelDirectory, JsonElement root)
    {
        string jinjaPath = Path.Combine(modelDirectory, "chat_template.jinja");
        if (File.Exists(jinjaPath))
        {
            return File.ReadAllText(jinjaPath);
        }
        if (!root.TryGetProperty("chat_template", out JsonElement template))
        {
            return null;
        }
        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString();
        }
        if (template.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement named in template.EnumerateArray())
            {
                if (named.TryGetProperty("name", out JsonElement name) && name.GetString() == "default")
                {
                    return named.GetProperty("template").GetString();
                }
            }
        }
        return null;
    }

    /// <summary>A token is spelled as a string, or as an AddedToken object with "content".</summary>
    private static string? ReadTokenText(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out JsonElement content) => content.GetString(),
            _ => null,
        };
    }

    private static IReadOnlyList<int> ReadGenerationEos(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, "generation_config.json");
        if (!File.Exists(path))
        {
            return [];
        }
        using JsonDocument document = Parse(path);
        if (!document.RootElement.TryGetProperty("eos_token_id", out JsonElement eos))
        {
            return [];
        }
        return eos.ValueKind switch
        {
            JsonValueKind.Number => [eos.GetInt32()],
            JsonValueKind.Array => eos.EnumerateArray().Select(e => e.GetInt32()).ToList(),
            _ => [],
        };
    }
}

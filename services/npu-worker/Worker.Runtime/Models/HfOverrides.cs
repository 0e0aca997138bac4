using System.Text.Json;
using System.Text.Json.Nodes;

namespace Worker.Runtime.Models;

/// <summary>
/// vLLM's <c>--hf-overrides</c>: a JSON object whose fields replace (or add to) the top-level fields of the model folder's
/// config.json before anything reads it, as transformers' config.update would. vLLM documents it to run Qwen3-Reranker
/// as a classifier: <c>{"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"],
/// "is_original_qwen3_reranker": true}</c>.
/// </summary>
public static class HfOverrides
{
    /// <exception cref="ArgumentException">Not a JSON object (the message says what it is).</exception>
    public static JsonObject Parse(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"hf overrides are not JSON: {e.Message}");
        }

        return node as JsonObject ?? throw new ArgumentException($"hf overrides must be a JSON object of config.json fields, got {node?.GetValueKind().ToString() ?? "null"}");
    }
}

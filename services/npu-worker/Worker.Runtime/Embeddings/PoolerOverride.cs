using System.Text.Json;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Embeddings;

/// <summary>
/// vLLM's <c>--pooler-config</c> (formerly <c>--override-pooler-config</c>): a JSON object that overrides how the
/// model embeds, over what its folder says (sentence-transformers config, or last token and normalized without one).
/// <c>pooling_type</c> is LAST, CLS or MEAN (vLLM's names; ALL and STEP return per-token outputs, which no endpoint
/// here answers) and <c>normalize</c> the default for requests that leave it unset. Any other field is refused by
/// name: accepting it would mean ignoring it.
/// </summary>
/// <param name="Mode">The pooling to use instead of the folder's; null keeps it.</param>
/// <param name="Normalize">The normalization default instead of the folder's; null keeps it.</param>
public sealed record PoolerOverride(PoolingMode? Mode, bool? Normalize)
{
    private static readonly Dictionary<string, PoolingMode> PoolingTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["LAST"] = PoolingMode.LastToken,
        ["CLS"] = PoolingMode.Cls,
        ["MEAN"] = PoolingMode.Mean,
    };

    /// <exception cref="ArgumentException">Not a JSON object, a field of another type, an unsupported pooling_type or
    /// field; the message names the field.</exception>
    public static PoolerOverride Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"pooler config is not JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"pooler config must be a JSON object, got {document.RootElement.ValueKind}");
            }

            PoolingMode? mode = null;
            bool? normalize = null;
            foreach (var field in document.RootElement.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "pooling_type" when field.Value.ValueKind == JsonValueKind.Null:
                        break;
                    case "pooling_type":
                        string? type = field.Value.ValueKind == JsonValueKind.String
                            ? field.Value.GetString()
                            : throw new ArgumentException($"pooler config pooling_type must be a string, got {field.Value.GetRawText()}");
                        mode = PoolingTypes.TryGetValue(type!, out var m)
                            ? m
                            : throw new ArgumentException(type is "ALL" or "all" or "STEP" or "step"
                                ? $"pooler config pooling_type {type} returns an output per token, which no endpoint here serves; use LAST, CLS or MEAN"
                                : $"pooler config pooling_type must be LAST, CLS or MEAN, got '{type}'");
                        break;
                    case "normalize":
                        normalize = field.Value.ValueKind switch
                        {
                            JsonValueKind.True => true,
                            JsonValueKind.False => false,
                            JsonValueKind.Null => null,
                            _ => throw new ArgumentException($"pooler config normalize must be true or false, got {field.Value.GetRawText()}"),
                        };
                        break;
                    default:
                        throw new ArgumentException(
                            $"pooler config field '{field.Name}' is not supported; this worker takes pooling_type (LAST, CLS, MEAN) and normalize");
                }
            }

            return new PoolerOverride(mode, normalize);
        }
    }

    /// <summary>The folder's embedding with this override's fields in place of its own.</summary>
    internal EmbeddingHead ApplyTo(EmbeddingHead head) => head with
    {
        Pooling = head.Pooling with { Mode = Mode ?? head.Pooling.Mode, Normalize = Normalize ?? head.Pooling.Normalize },
    };
}

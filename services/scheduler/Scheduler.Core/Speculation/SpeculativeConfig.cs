using System.Text.Json;

namespace Scheduler.Core.Speculation;

/// <summary>
/// vLLM's <c>--speculative-config</c> for its n-gram method (prompt lookup decoding): each step, a greedy decode may carry
/// up to <see cref="NumSpeculativeTokens"/> draft tokens, the ones that followed the latest earlier occurrence of the
/// sequence's last n tokens (n from <see cref="PromptLookupMax"/> down to <see cref="PromptLookupMin"/>); the worker keeps
/// the drafts its model agrees with. A decode reads every weight once whether it runs one token or five, so on a CPU,
/// where one sequence's decode is bound by memory, every accepted draft is a token almost for free.
/// </summary>
/// <param name="DisableByBatchSize">vLLM's disable_by_batch_size: no drafts in a step while this many requests or more run
/// on the worker (batched decode is bound by arithmetic, where drafts cost what they save); null: always.</param>
public sealed record SpeculativeConfig(int NumSpeculativeTokens, int PromptLookupMin, int PromptLookupMax, int? DisableByBatchSize = null)
{
    public const string NgramMethod = "ngram";

    /// <summary>vLLM's default n-gram size when neither prompt_lookup_min nor prompt_lookup_max is given.</summary>
    public const int DefaultLookup = 5;

    /// <summary>The longest draft a step may carry: more only adds rows most of which are rejected.</summary>
    public const int MaxSpeculativeTokens = 64;

    private static readonly string[] Fields = ["method", "model", "num_speculative_tokens", "prompt_lookup_min", "prompt_lookup_max", "disable_by_batch_size"];

    /// <summary>Reads vLLM's JSON form, for example <c>{"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 4}</c>.</summary>
    /// <exception cref="ArgumentException">The text is not such an object; the message names the field.</exception>
    public static SpeculativeConfig Parse(string json)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"speculative_config must be a JSON object: {e.Message}");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"speculative_config must be a JSON object, got {root.ValueKind}.");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
            {
                throw new ArgumentException(
                    $"speculative_config.{property.Name} is not supported: the n-gram method takes {string.Join(", ", Fields.Skip(2))}.");
            }
        }

        // As vLLM: the method, or the model named "ngram" / "[ngram]" (its older form), picks n-gram proposals.
        var method = Text(root, "method");
        var model = Text(root, "model");
        if (method is null && model is null)
        {
            throw new ArgumentException("speculative_config.method is required: \"ngram\" (prompt lookup) is the method served here.");
        }

        if ((method is not null && method != NgramMethod) || (model is not null && model is not (NgramMethod or "[ngram]")))
        {
            throw new ArgumentException(
                $"speculative_config: method \"{method ?? model}\" is not served here; only \"ngram\" (prompt lookup) is: a draft model, EAGLE, Medusa or MTP is not.");
        }

        var k = Int(root, "num_speculative_tokens")
            ?? throw new ArgumentException("speculative_config.num_speculative_tokens is required: how many draft tokens a step may carry.");
        if (k < 1 || k > MaxSpeculativeTokens)
        {
            throw new ArgumentException($"speculative_config.num_speculative_tokens must be in [1, {MaxSpeculativeTokens}], got {k}.");
        }

        // As vLLM: neither size given means 5 and 5; one given sets the other.
        var givenMin = Int(root, "prompt_lookup_min");
        var givenMax = Int(root, "prompt_lookup_max");
        int min = givenMin ?? givenMax ?? DefaultLookup;
        int max = givenMax ?? givenMin ?? DefaultLookup;
        if (min < 1)
        {
            throw new ArgumentException($"speculative_config.prompt_lookup_min must be > 0, got {min}.");
        }

        if (max < min)
        {
            throw new ArgumentException($"speculative_config.prompt_lookup_max must be >= prompt_lookup_min {min}, got {max}.");
        }

        var disable = Int(root, "disable_by_batch_size");
        if (disable is < 2)
        {
            throw new ArgumentException($"speculative_config.disable_by_batch_size must be >= 2, got {disable}.");
        }

        return new SpeculativeConfig(k, min, max, disable);
    }

    private static string? Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ArgumentException($"speculative_config.{name} must be a string, got {value.ValueKind}.");
    }

    private static int? Int(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new ArgumentException($"speculative_config.{name} must be an integer, got {value}.");
    }
}

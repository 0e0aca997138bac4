using System.Globalization;
using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Fields;

/// <summary>
/// OpenAI's <c>logit_bias</c>: an object mapping token ids (as strings) to a bias in [-100, 100], read from its
/// JSON shape (the engine checks the ids against the vocabulary).
/// </summary>
internal static class LogitBias
{
    public const string Field = "logit_bias";
    public const double MaxMagnitude = 100;

    /// <summary>The biases by token id; null when absent, null or empty. A malformed map is a 400.</summary>
    public static IReadOnlyDictionary<int, float>? Read(RequestFields fields)
    {
        if (fields.Object(Field)?.Root is not { } map)
        {
            return null;
        }

        var biases = new Dictionary<int, float>();
        foreach (var entry in map.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw ApiException.BadRequest(
                    $"logit_bias keys must be token ids (non-negative integers as strings), got \"{entry.Name}\".", Field);
            }

            double bias = 0;
            var valid = entry.Value.ValueKind == JsonValueKind.Number
                && entry.Value.TryGetDouble(out bias)
                && Math.Abs(bias) <= MaxMagnitude;
            if (!valid)
            {
                throw ApiException.BadRequest(
                    $"logit_bias[\"{entry.Name}\"] must be a number in [-{MaxMagnitude}, {MaxMagnitude}], got {Shorten(entry.Value.GetRawText())}.",
                    Field);
            }

            biases[id] = (float)bias;
        }

        return biases.Count == 0 ? null : biases;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

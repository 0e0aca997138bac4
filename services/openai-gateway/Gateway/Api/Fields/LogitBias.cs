using System.Globalization;
using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Fields;

/// <summary>
/// OpenAI's <c>logit_bias</c>: an object mapping token ids (as strings) to a bias in [-100, 100]. The shape is
/// checked even though the engine cannot apply a bias yet, so a malformed map is a 400 naming what is wrong either way.
/// </summary>
internal static class LogitBias
{
    public const string Field = "logit_bias";
    public const double MaxMagnitude = 100;

    /// <summary>True for an empty map (nothing to apply); throws a 400 for a malformed one.</summary>
    public static bool IsEmpty(RequestFields fields)
    {
        var map = fields.Object(Field)!.Root;
        foreach (var entry in map.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                throw ApiException.BadRequest(
                    $"logit_bias keys must be token ids (non-negative integers as strings), got \"{entry.Name}\".", Field);
            }

            var valid = entry.Value.ValueKind == JsonValueKind.Number
                && entry.Value.TryGetDouble(out var bias)
                && Math.Abs(bias) <= MaxMagnitude;
            if (!valid)
            {
                throw ApiException.BadRequest(
                    $"logit_bias[\"{entry.Name}\"] must be a number in [-{MaxMagnitude}, {MaxMagnitude}], got {Shorten(entry.Value.GetRawText())}.",
                    Field);
            }
        }

        return !map.EnumerateObject().Any();
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

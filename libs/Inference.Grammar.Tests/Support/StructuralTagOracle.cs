using System.Text;
using System.Text.Json;

namespace Inference.Grammar.Tests.Support;

/// <summary>
/// An independent reading of a structural tag's output (the oracle of the random-walk tests): finds each trigger's
/// first appearance by plain string search, then expects one of its structures' begin, one JSON value valid against
/// that structure's schema, and its end. Returns the first violation, or null; counts the structures it read.
/// </summary>
internal static class StructuralTagOracle
{
    public static string? Check(string text, string[] triggers, (string Begin, string Schema, string End)[] structures, out int count)
    {
        count = 0;
        int at = 0;
        while (true)
        {
            var (start, trigger) = FirstTrigger(text, at, triggers);
            if (trigger is null)
            {
                return null;
            }
            var structure = structures.FirstOrDefault(s => s.Begin.StartsWith(trigger, StringComparison.Ordinal) &&
                                                           string.CompareOrdinal(text, start, s.Begin, 0, s.Begin.Length) == 0);
            if (structure.Begin is null)
            {
                return $"trigger \"{trigger}\" at {start} is not followed by a begin";
            }
            int json = start + structure.Begin.Length;
            var bytes = Encoding.UTF8.GetBytes(text[json..]);
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true });
            try
            {
                reader.Read();
                reader.Skip();
            }
            catch (JsonException e)
            {
                return $"no JSON after \"{structure.Begin}\" at {start}: {e.Message}";
            }
            string value = Encoding.UTF8.GetString(bytes, 0, (int)reader.BytesConsumed);
            if (SchemaValidator.Validate(value, structure.Schema) is { } violation)
            {
                return $"structure at {start}: {violation} in {value}";
            }
            int end = json + value.Length;
            if (string.CompareOrdinal(text, end, structure.End, 0, structure.End.Length) != 0)
            {
                return $"structure at {start} is not closed by \"{structure.End}\"";
            }
            count++;
            at = end + structure.End.Length;
        }
    }

    private static (int Start, string? Trigger) FirstTrigger(string text, int from, string[] triggers)
    {
        var found = triggers.Select(t => (Start: text.IndexOf(t, from, StringComparison.Ordinal), Trigger: t))
            .Where(f => f.Start >= 0)
            .OrderBy(f => f.Start + f.Trigger.Length)
            .ToList();
        return found.Count == 0 ? (-1, null) : (found[0].Start, found[0].Trigger);
    }
}

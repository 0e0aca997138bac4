using System.Text.Json;

namespace Inference.Cli.CommandLine;

/// <summary>
/// How the offline pooling commands (embed, classify) print their results: one JSON object per prompt on stdout, in
/// prompt order, each with its index and prompt_tokens, then the command's own fields.
/// </summary>
public static class PooledResultLines
{
    /// <param name="fields">Writes a result's own fields into its open object.</param>
    public static void Write(IReadOnlyList<EmbeddingResult> results, Action<Utf8JsonWriter, EmbeddingResult> fields)
    {
        var stdout = Console.OpenStandardOutput();
        for (var i = 0; i < results.Count; i++)
        {
            using (var json = new Utf8JsonWriter(stdout))
            {
                json.WriteStartObject();
                json.WriteNumber("index", i);
                json.WriteNumber("prompt_tokens", results[i].PromptTokens);
                fields(json, results[i]);
                json.WriteEndObject();
            }

            stdout.WriteByte((byte)'\n');
        }

        stdout.Flush();
    }

    /// <summary>Writes <paramref name="values"/> as the array <paramref name="name"/>.</summary>
    public static void WriteArray(Utf8JsonWriter json, string name, IEnumerable<float> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
            json.WriteNumberValue(value);
        json.WriteEndArray();
    }
}

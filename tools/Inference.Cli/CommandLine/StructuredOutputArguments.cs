using System.Text.Json;
using Inference.Abstractions.Generation;

namespace Inference.Cli.CommandLine;

/// <summary>The structured-output options of `generate` and `bench-model`.</summary>
public static class StructuredOutputArguments
{
    /// <summary>
    /// At most one of --json-schema JSON, --regex PATTERN, --grammar EBNF (a file, or the grammar itself) and --choice TEXT
    /// (repeated), as the API's structured output.
    /// </summary>
    public static StructuredOutput? Read(CommandArguments args)
    {
        var schema = args.String("json-schema");
        var regex = args.String("regex");
        var choices = args.Strings("choice");
        var grammar = args.String("grammar") is { } g ? (File.Exists(g) ? File.ReadAllText(g) : g) : null;
        var given = (schema is null ? 0 : 1) + (regex is null ? 0 : 1) + (choices.Count == 0 ? 0 : 1) + (grammar is null ? 0 : 1);
        if (given > 1)
            throw new UsageException("--json-schema, --regex, --grammar and --choice exclude each other");
        if (schema is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(schema);
            }
            catch (JsonException e)
            {
                throw new UsageException($"--json-schema is not valid JSON: {e.Message}");
            }

            return new StructuredOutput.JsonSchema(schema);
        }

        return regex is not null ? new StructuredOutput.Regex(regex)
            : grammar is not null ? new StructuredOutput.Grammar(grammar)
            : choices.Count > 0 ? new StructuredOutput.Choice(choices)
            : null;
    }
}

using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Json;

namespace Gateway.Api.Fields;

/// <summary>The value tests of <see cref="ApiFieldTable"/>'s Responses API rows.</summary>
internal static class ResponsesFieldChecks
{
    /// <summary>The one include value that names output this server produces.</summary>
    public const string OutputTextLogprobs = "message.output_text.logprobs";

    /// <summary>text: an object whose format's type is text, json_object or json_schema; verbosity (a hint for OpenAI's own models) is refused.</summary>
    public static bool TextWithoutVerbosity(RequestFields fields)
    {
        var text = fields.Object("text")!;
        if (text.Object("format") is { } format)
        {
            var type = format.String("type") ?? throw ApiException.BadRequest("text.format.type is required.", "text");
            if (type is not ("text" or "json_object" or "json_schema"))
            {
                throw ApiException.BadRequest($"text.format.type must be text, json_object or json_schema, got \"{type}\".", "text");
            }
        }

        return text.Raw("verbosity") is null;
    }

    /// <summary>include: an array of strings, each <see cref="OutputTextLogprobs"/>.</summary>
    public static bool IncludeLogprobsOnly(RequestFields fields) =>
        fields.Array("include", "an array of strings")!.Value.EnumerateArray()
            .All(item => item.ValueKind == JsonValueKind.String
                ? item.ValueEquals(OutputTextLogprobs)
                : throw RequestFields.WrongType("include", "an array of strings", item));

    /// <summary>reasoning: an object with no effort and no summary.</summary>
    public static bool ReasoningWithoutEffort(RequestFields fields)
    {
        var reasoning = fields.Object("reasoning")!;
        return reasoning.Raw("effort") is null && reasoning.Raw("summary") is null && reasoning.Raw("generate_summary") is null;
    }

    /// <summary>stream_options: an object, and only beside stream true (as OpenAI answers).</summary>
    public static bool StreamOptionsWithStream(RequestFields fields)
    {
        _ = fields.Object("stream_options");
        return fields.Bool("stream") == true
            ? true
            : throw ApiException.BadRequest("stream_options can only be set when stream is true.", "stream_options");
    }
}

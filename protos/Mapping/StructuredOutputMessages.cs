using Inference.Abstractions.Generation;
using Proto = Inference.Contracts.Common.V1;

namespace Inference.Contracts.Mapping;

/// <summary><c>inference.common.v1.StructuredOutput</c> to the domain record and back (Generate API and worker protocol alike).</summary>
public static class StructuredOutputMessages
{
    public static Proto.StructuredOutput? ToProto(StructuredOutput? output)
    {
        var message = Kind(output);
        if (message is not null)
        {
            message.AfterReasoning = output!.AfterReasoning;
            if (output.WhitespacePattern is { } whitespace)
            {
                message.WhitespacePattern = whitespace;
            }
        }

        return message;
    }

    /// <summary>Null when the message is absent or its oneof is unset.</summary>
    public static StructuredOutput? ToDomain(Proto.StructuredOutput? message) => Kind(message) is { } output
        ? output with { AfterReasoning = message!.AfterReasoning, WhitespacePattern = message.HasWhitespacePattern ? message.WhitespacePattern : null }
        : null;

    private static Proto.StructuredOutput? Kind(StructuredOutput? output) => output switch
    {
        null => null,
        StructuredOutput.JsonSchema s => new Proto.StructuredOutput
        {
            JsonSchema = new Proto.StructuredOutput.Types.JsonSchema { Schema = s.Schema, Strict = s.Strict },
        },
        StructuredOutput.JsonObject => new Proto.StructuredOutput { JsonObject = true },
        StructuredOutput.Regex r => new Proto.StructuredOutput { Regex = r.Pattern },
        StructuredOutput.Grammar g => new Proto.StructuredOutput { Grammar = g.Ebnf },
        StructuredOutput.Choice c => new Proto.StructuredOutput { Choice = new Proto.StructuredOutput.Types.Choices { Values = { c.Choices } } },
        StructuredOutput.StructuralTag t => new Proto.StructuredOutput { StructuralTag = ToProto(t) },
        StructuredOutput.StructuralTagFormat f => new Proto.StructuredOutput { StructuralTagFormat = f.Format },
        _ => throw new ArgumentOutOfRangeException(nameof(output), output, "unknown structured output kind"),
    };

    private static StructuredOutput? Kind(Proto.StructuredOutput? message) => message?.KindCase switch
    {
        Proto.StructuredOutput.KindOneofCase.JsonSchema => new StructuredOutput.JsonSchema(message.JsonSchema.Schema, message.JsonSchema.Strict),
        Proto.StructuredOutput.KindOneofCase.JsonObject => new StructuredOutput.JsonObject(),
        Proto.StructuredOutput.KindOneofCase.Regex => new StructuredOutput.Regex(message.Regex),
        Proto.StructuredOutput.KindOneofCase.Grammar => new StructuredOutput.Grammar(message.Grammar),
        Proto.StructuredOutput.KindOneofCase.Choice => new StructuredOutput.Choice([.. message.Choice.Values]),
        Proto.StructuredOutput.KindOneofCase.StructuralTag => new StructuredOutput.StructuralTag(
            [.. message.StructuralTag.Triggers],
            [.. message.StructuralTag.Structures.Select(s => new StructuredOutput.TagStructure(s.Begin, s.Schema, s.End))]),
        Proto.StructuredOutput.KindOneofCase.StructuralTagFormat => new StructuredOutput.StructuralTagFormat(message.StructuralTagFormat),
        _ => null,
    };

    private static Proto.StructuredOutput.Types.StructuralTag ToProto(StructuredOutput.StructuralTag tag) => new()
    {
        Triggers = { tag.Triggers },
        Structures =
        {
            tag.Structures.Select(s => new Proto.StructuredOutput.Types.StructuralTag.Types.Structure { Begin = s.Begin, Schema = s.Schema, End = s.End }),
        },
    };

    /// <summary>Sets the field on a sampling message when the request has one.</summary>
    public static void AddTo(Proto.SamplingParams message, StructuredOutput? output)
    {
        if (ToProto(output) is { } proto)
        {
            message.StructuredOutput = proto;
        }
    }
}

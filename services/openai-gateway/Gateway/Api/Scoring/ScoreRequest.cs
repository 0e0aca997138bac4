using Gateway.Api.Errors;
using Gateway.Api.Fields;
using Gateway.Api.Json;

namespace Gateway.Api.Scoring;

/// <summary>
/// A validated <c>POST /score</c> body, paired as vLLM pairs it: one text_1 (a string or a one-item array) is scored
/// against every text_2; otherwise both are arrays of one length, scored pair by pair.
/// </summary>
/// <param name="Options">The fields score shares with rerank.</param>
/// <param name="Texts1">text_1's texts.</param>
/// <param name="Texts2">text_2's texts.</param>
public sealed record ScoreRequest(ScoringOptions Options, IReadOnlyList<string> Texts1, IReadOnlyList<string> Texts2)
{
    public const string Field1 = "text_1";
    public const string Field2 = "text_2";

    public static ScoreRequest Read(RequestFields fields)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Score);
        var texts1 = ScoreTexts.OneOrMany(fields, Field1);
        var texts2 = ScoreTexts.OneOrMany(fields, Field2);
        if (texts1.Count > 1 && texts1.Count != texts2.Count)
        {
            throw ApiException.BadRequest(
                $"{Field1} holds {texts1.Count} texts and {Field2} {texts2.Count}: send one {Field1} to score against every {Field2}, or as many of each to score them pair by pair.",
                Field2);
        }

        return new ScoreRequest(ScoringOptions.Read(fields), texts1, texts2);
    }

    /// <summary>The scored pairs, in the answer's order: pair i is data[i].</summary>
    public IEnumerable<(string Text1, string Text2)> Pairs() =>
        Texts2.Select((text2, i) => (Texts1.Count == 1 ? Texts1[0] : Texts1[i], text2));
}

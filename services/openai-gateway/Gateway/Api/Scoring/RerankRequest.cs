using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Sampling;

namespace Gateway.Api.Scoring;

/// <summary>A validated <c>POST /rerank</c> body (Jina's and Cohere's rerank API, as vLLM serves it).</summary>
/// <param name="Options">The fields rerank shares with score.</param>
/// <param name="Query">The text every document is scored against.</param>
/// <param name="Documents">Each document's text, in the request's order.</param>
/// <param name="TopN">How many of the best documents to answer: all of them when 0 or more than there are.</param>
public sealed record RerankRequest(ScoringOptions Options, string Query, IReadOnlyList<string> Documents, int TopN)
{
    public const string QueryField = "query";

    public static RerankRequest Read(RequestFields fields)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Rerank);
        var query = ScoreTexts.One(fields, QueryField);
        var documents = RerankDocuments.Read(fields);
        var topN = fields.Int("top_n") ?? 0;
        SamplingFields.Require(topN >= 0, "top_n", $"top_n must be at least 0 (0 answers every document), got {topN}.");
        return new RerankRequest(ScoringOptions.Read(fields), query, documents, topN);
    }
}

namespace Gateway.Api.Scoring;

/// <summary>The texts of one request field, in order: score's text_1 or text_2, rerank's query or documents.</summary>
/// <param name="Name">The field's JSON name, which a refusal of one of its texts names.</param>
/// <param name="Texts">Its texts.</param>
public sealed record TextField(string Name, IReadOnlyList<string> Texts);

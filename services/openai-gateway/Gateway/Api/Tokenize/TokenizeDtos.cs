namespace Gateway.Api.Tokenize;

/// <summary>vLLM's <c>/tokenize</c> answer.</summary>
public sealed record TokenizeResponse(int Count, int MaxModelLen, IReadOnlyList<int> Tokens, IReadOnlyList<string>? TokenStrs);

/// <summary>vLLM's <c>/detokenize</c> answer.</summary>
public sealed record DetokenizeResponse(string Prompt);

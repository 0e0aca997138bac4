namespace Gateway.Api.Errors;

/// <summary>The OpenAI error envelope, as vLLM writes it.</summary>
public sealed record ErrorBody(ErrorInfo Error);

/// <summary>The error itself; <see cref="Code"/> repeats the HTTP status.</summary>
public sealed record ErrorInfo(string Message, string Type, string? Param, int Code);

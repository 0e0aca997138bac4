namespace Gateway.Api.Errors;

/// <summary>How the gateway answers a failure: the OpenAI error envelope, and when to come back.</summary>
/// <param name="Error">The envelope's error; its code is the HTTP status.</param>
/// <param name="RetryAfterSeconds">The <c>Retry-After</c> header, for an overloaded backend; null for none.</param>
public sealed record ErrorAnswer(ErrorInfo Error, int? RetryAfterSeconds = null);

namespace Gateway.Api.Health;

/// <summary><c>/health</c> when a request can be served end to end: <c>{"status":"ok","workers":N}</c>.</summary>
/// <param name="Workers">Workers ready to serve steps.</param>
public sealed record HealthyResponse(string Status, int Workers);

/// <summary><c>/health</c> when something is missing: <c>{"status":"unavailable","reasons":[…]}</c>.</summary>
public sealed record UnhealthyResponse(string Status, IReadOnlyList<string> Reasons);

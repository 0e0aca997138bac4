namespace Gateway.Api.Sampling;

/// <summary>OpenAI-style ids: a kind prefix and 32 random hex digits.</summary>
public static class RequestIds
{
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>
    /// vLLM's request_id: the client's name for the request, as the response id (prefix-requestId) and the scheduler's
    /// id; the prompts after a completions request's first get "-p" appended, as vLLM numbers them. Null when the client
    /// named none (a fresh id is made then).
    /// </summary>
    public static string? Named(string prefix, string? requestId, int prompt = 0) =>
        requestId is null ? null : prompt == 0 ? $"{prefix}-{requestId}" : $"{prefix}-{requestId}-{prompt}";

    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}

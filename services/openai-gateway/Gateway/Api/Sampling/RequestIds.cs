namespace Gateway.Api.Sampling;

/// <summary>OpenAI-style ids: a kind prefix and 32 random hex digits.</summary>
public static class RequestIds
{
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}

namespace Gateway.Api.Generation;

/// <summary>Logprob values JSON can carry.</summary>
public static class Logprobs
{
    /// <summary>vLLM's stand-in for a -inf logprob (JSON has no infinities).</summary>
    public const float Floor = -9999f;

    public static float Finite(float logprob) => float.IsNaN(logprob) ? Floor : Math.Max(logprob, Floor);
}

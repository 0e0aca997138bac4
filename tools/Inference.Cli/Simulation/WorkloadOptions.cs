namespace Inference.Cli.Simulation;

/// <summary>The requests a simulation replays. The same options and seed give the same requests.</summary>
/// <param name="Requests">How many requests arrive.</param>
/// <param name="ArrivalRate">Mean arrivals per second of virtual time (a Poisson process).</param>
/// <param name="PromptTokens">Mean length of a request's new user message (lognormal, see <see cref="LengthSigma"/>);
/// a system prompt or a conversation's history comes in front of it.</param>
/// <param name="OutputTokens">Mean output length (lognormal), enforced as max tokens with ignore_eos.</param>
/// <param name="SystemPrompts">How many distinct system prompts exist (fixed token sequences).</param>
/// <param name="SystemPromptTokens">Length of each system prompt.</param>
/// <param name="SharedPrefixShare">Share of new conversations that start with one of the system prompts (picked uniformly).</param>
/// <param name="MultiTurnShare">Share of requests that continue a recent conversation: its last turn's prompt and
/// output, then a new user message.</param>
/// <param name="Seed">Seeds arrivals, lengths, token ids and system prompts.</param>
internal sealed record WorkloadOptions(
    int Requests,
    double ArrivalRate,
    double PromptTokens,
    double OutputTokens,
    int SystemPrompts,
    int SystemPromptTokens,
    double SharedPrefixShare,
    double MultiTurnShare,
    int Seed)
{
    /// <summary>Sigma of the lognormal lengths: the median is 0.88 x the mean and 95% of lengths fall within
    /// 0.33-2.4 x the mean, a spread like that of chat traffic without its extreme tail.</summary>
    public const double LengthSigma = 0.5;

    /// <summary>A follow-up turn continues a conversation whose last turn arrived at most this long before (a user
    /// who answers within a minute); with none that recent it starts a new conversation.</summary>
    public static readonly TimeSpan ConversationWindow = TimeSpan.FromSeconds(60);
}

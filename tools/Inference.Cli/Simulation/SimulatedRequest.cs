namespace Inference.Cli.Simulation;

/// <summary>One request of the workload, before it reaches the engine.</summary>
/// <param name="Index">Arrival order, from 0; also its request id.</param>
/// <param name="ArrivalSeconds">Virtual time of arrival.</param>
/// <param name="PromptTokenIds">System prompt or history, then the new user message.</param>
/// <param name="OutputTokens">Exact output length (max tokens with ignore_eos).</param>
/// <param name="Seed">Decides the output tokens; see <see cref="SimulatedModel.TokenAt"/>.</param>
/// <param name="IsFollowUp">It continues an earlier turn of a conversation.</param>
internal sealed record SimulatedRequest(int Index, double ArrivalSeconds, int[] PromptTokenIds, int OutputTokens, ulong Seed, bool IsFollowUp)
{
    /// <summary>Prompt then output: what a follow-up turn starts with.</summary>
    public int[] ConversationSoFar()
    {
        var tokens = new int[PromptTokenIds.Length + OutputTokens];
        PromptTokenIds.CopyTo(tokens, 0);
        for (var i = PromptTokenIds.Length; i < tokens.Length; i++)
        {
            tokens[i] = SimulatedModel.TokenAt(Seed, i);
        }

        return tokens;
    }
}

using Inference.Abstractions.Execution;
using Proto = Inference.Contracts.Common.V1;

namespace Inference.Contracts.Mapping;

/// <summary>Prompt logprobs (<c>inference.common.v1.PromptLogprobs</c>) to domain types and back, for the worker and the
/// generation boundaries alike.</summary>
public static class PromptLogprobsMessages
{
    public static Proto.PromptLogprobs ToProto(int firstPosition, IReadOnlyList<PromptTokenLogprob> positions)
    {
        var message = new Proto.PromptLogprobs { FirstPosition = firstPosition };
        foreach (var p in positions)
        {
            var entry = new Proto.PromptTokenLogprob { TokenId = p.TokenId, Logprob = p.Logprob, Rank = p.Rank };
            entry.TopLogprobs.AddRange(p.TopLogprobs.Select(t => new Proto.TokenLogprob { TokenId = t.TokenId, Logprob = t.Logprob }));
            message.Positions.Add(entry);
        }

        return message;
    }

    public static PromptTokenLogprob[] ToDomain(Proto.PromptLogprobs message) =>
        [.. message.Positions.Select(p => new PromptTokenLogprob(
            p.TokenId, p.Logprob, p.Rank, [.. p.TopLogprobs.Select(t => new TokenLogprob(t.TokenId, t.Logprob))]))];
}

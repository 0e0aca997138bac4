using System.Text;
using Gateway.Api.Generation;
using Gateway.Backends;

namespace Gateway.Api.Chat;

/// <summary>Builds chat logprobs: each token with its UTF-8 bytes and its top alternatives.</summary>
public static class ChatLogprobsBuilder
{
    public static ChatLogprobs Build(
        IReadOnlyList<GeneratedToken> tokens, IReadOnlyDictionary<int, string> texts, int topCount) =>
        new(tokens.Select(token => new ChatTokenLogprob(
            texts[token.TokenId],
            Logprobs.Finite(token.Logprob),
            BytesOf(texts[token.TokenId]),
            token.TopLogprobs.Take(topCount)
                .Select(a => new ChatTopLogprob(texts[a.TokenId], Logprobs.Finite(a.Logprob), BytesOf(texts[a.TokenId])))
                .ToArray())).ToArray());

    private static int[] BytesOf(string text) => Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();
}

using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Worker.Tests.Support;

namespace Worker.Tests.Speculation;

/// <summary>
/// Drafts under structured output: each row's grammar mask is the one after the tokens accepted before it, so drafted
/// greedy decoding gives exactly the tokens (end-of-sequence included) of decoding one token a step under the grammar.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class GrammarDraftVerificationTests(TinyModelFixture tiny)
{
    private const int MaxNewTokens = 300;
    private static readonly int[] Prompt = [5, 17, 300, 42, 7];

    public static TheoryData<string> Grammars() => ["json", "regex"];

    [Theory]
    [MemberData(nameof(Grammars))]
    public async Task DraftsUnderAGrammar_GiveTheTokensOfOneAtATimeDecoding(string kind)
    {
        StructuredOutput output = kind == "json"
            ? new StructuredOutput.JsonSchema("""{"type":"object","properties":{"a":{"type":"array","items":{"type":"integer"},"maxItems":6},"b":{"type":"string","maxLength":8}},"required":["a","b"]}""")
            : new StructuredOutput.Regex("(ab|cd){2,12}");
        var sampling = new SamplingParams(Temperature: 0f, StructuredOutput: output);
        var reference = await Steps.GenerateUntilEos(tiny.Runner, "reference", Prompt, Prompt.Length, sampling, MaxNewTokens);

        // Right drafts, a wrong one among right ones, and a wrong first one, in turn, until end-of-sequence.
        var blocks = Enumerable.Range(0, (Prompt.Length + MaxNewTokens + 8 + 15) / 16).ToArray();
        var got = new List<int> { Assert.Single((await Steps.Run(tiny.Runner, Steps.Plan(0, [Steps.NewRequest("drafted", Prompt, blocks, Prompt.Length, sampling)]))).Sampled).TokenId };
        // The worker does not stop at end-of-sequence (ignore_eos is the scheduler's to apply): when it accepts an EOS
        // draft it goes on to the next row, and the scheduler drops what follows the EOS.
        for (long step = 1; !got.Any(tiny.Runner.Info.EosTokenIds.Contains); step++)
        {
            Assert.True(got.Count < reference.Count, $"drafted decoding went past the reference's end: {string.Join(",", got)} against {string.Join(",", reference)}");
            int[] drafts = [.. reference.Skip(got.Count).Take(3)];
            if (step % 3 == 1 && drafts.Length > 1)
            {
                drafts[1] = drafts[1] == 3 ? 4 : 3;
            }
            else if (step % 3 == 2 && drafts.Length > 0)
            {
                drafts[0] = drafts[0] == 3 ? 4 : 3;
            }

            var result = await Steps.Run(tiny.Runner, Steps.Plan(step, cached:
                [new CachedRequestData("drafted", [], Prompt.Length + got.Count - 1, drafts.Length + 1, DraftTokenIds: drafts)]));
            got.AddRange(result.Sampled.Select(t => t.TokenId));
        }

        await Steps.Run(tiny.Runner, Steps.Plan(-1, finished: ["drafted"]));
        Assert.Equal(reference, got.Take(got.FindIndex(tiny.Runner.Info.EosTokenIds.Contains) + 1));
    }
}

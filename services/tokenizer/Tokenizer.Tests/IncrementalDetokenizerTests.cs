using System.Text;
using Inference.Abstractions.Text;
using Tokenizer.Core;
using Tokenizer.Core.Streaming;

namespace Tokenizer.Tests;

public sealed class IncrementalDetokenizerTests
{
    private static QwenTokenizer Tokenizer => Fixtures.Qwen3;

    [Fact]
    public void Push_EveryCorpusStringOneIdAtATime_YieldsExactlyTheDecodedText()
    {
        var failures = new List<string>();
        foreach (ConformanceEntry entry in ConformanceCorpus.Entries)
        {
            IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(skipSpecialTokens: false, stop: [], includeStopStrInOutput: false);
            var text = new StringBuilder();
            foreach (int id in entry.Ids)
            {
                text.Append(detokenizer.Push([id], final: false).Text);
            }
            text.Append(detokenizer.Push([], final: true).Text);
            if (text.ToString() != entry.Decoded)
            {
                failures.Add($"#{entry.Index}");
            }
        }
        Assert.True(failures.Count == 0, string.Join(", ", failures));
    }

    [Fact]
    public void Push_TokenEndingInsideUtf8Character_HoldsBytesUntilCharacterCompletes()
    {
        // U+0338 has no token of its own: it is encoded as two byte tokens (136, 116), so the first one ends
        // inside the character and must yield nothing.
        int[] ids = Tokenizer.Encode("<|im_end|>\u0338x");
        Assert.Equal([151645, 136, 116], ids[..3]);
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, [], false);

        var deltas = ids.Select(id => detokenizer.Push([id], false).Text).ToList();

        Assert.Equal(["<|im_end|>", "", "\u0338"], deltas.Take(3));
        Assert.Equal("<|im_end|>\u0338x", string.Concat(deltas));
    }

    [Fact]
    public void Push_FinalAfterIncompleteCharacter_FlushesReplacementCharacter()
    {
        byte[] smiley = Encoding.UTF8.GetBytes("😀");
        int firstByteId = Tokenizer.TokenToId(Core.Text.ByteLevelAlphabet.ToChar(smiley[0]).ToString())!.Value;
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, [], false);

        Assert.Equal("", detokenizer.Push([firstByteId], false).Text);
        Assert.Equal("\uFFFD", detokenizer.Push([], true).Text);
    }

    [Fact]
    public void Push_StopStringSplitAcrossTokens_IsCaughtAndNeverLeaksPartialMatch()
    {
        const string generated = "The answer is 42. STOP_HERE and more text";
        int[] ids = Tokenizer.Encode(generated);
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, ["STOP_HERE"], false);
        var emitted = new StringBuilder();
        DetokenizedDelta last = default;
        foreach (int id in ids)
        {
            last = detokenizer.Push([id], false);
            emitted.Append(last.Text);
            Assert.DoesNotContain("STOP", emitted.ToString());
            if (last.Stopped)
            {
                break;
            }
        }
        Assert.True(last.Stopped);
        Assert.Equal("STOP_HERE", last.MatchedStop);
        Assert.Equal("The answer is 42. ", emitted.ToString());
    }

    [Fact]
    public void Push_IncludeStopStrInOutput_KeepsStopStringAndDropsTheRest()
    {
        int[] ids = Tokenizer.Encode("abc</answer>trailing");
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, ["</answer>"], includeStopStrInOutput: true);

        DetokenizedDelta delta = detokenizer.Push(ids, false);

        Assert.Equal(new DetokenizedDelta("abc</answer>", true, "</answer>"), delta);
        Assert.Equal(new DetokenizedDelta("", true, "</answer>"), detokenizer.Push(Tokenizer.Encode("more"), true));
    }

    [Fact]
    public void Push_PossibleStopPrefix_IsHeldBackUntilDisproved()
    {
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, ["<END>"], false);

        Assert.Equal("Hello ", detokenizer.Push(Tokenizer.Encode("Hello <EN"), false).Text);
        Assert.Equal("<ENter", detokenizer.Push(Tokenizer.Encode("ter"), false).Text);
    }

    [Fact]
    public void Push_FinalWithHeldBackPrefix_FlushesIt()
    {
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, ["<END>"], false);

        Assert.Equal("x", detokenizer.Push(Tokenizer.Encode("x<E"), false).Text);
        Assert.Equal(new DetokenizedDelta("<E", false, null), detokenizer.Push([], true));
    }

    [Fact]
    public void Push_SkipSpecialTokens_DropsOnlySpecialFlaggedTokens()
    {
        int[] ids = Tokenizer.Encode("<think>x</think>y<|im_end|>");
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(skipSpecialTokens: true, [], false);

        Assert.Equal("<think>x</think>y", detokenizer.Push(ids, true).Text);
    }

    [Fact]
    public void Push_TwoStopStrings_TheOneCompletingFirstWins()
    {
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, ["abcd", "bc"], false);

        DetokenizedDelta delta = detokenizer.Push(Tokenizer.Encode("xabcd"), false);

        Assert.Equal(new DetokenizedDelta("xa", true, "bc"), delta);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Push_StopStringInsideMinTokens_IsIgnoredAndALaterOneStops(bool oneIdAtATime)
    {
        int[] ids = Tokenizer.Encode("a STOP b STOP c");
        int minTokens = Tokenizer.Encode("a STOP b").Length;
        Assert.Equal(Tokenizer.Encode("a STOP b"), ids[..minTokens]);
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, ["STOP"], false, minTokens);

        var deltas = new List<DetokenizedDelta>();
        foreach (int[] batch in oneIdAtATime ? ids.Select(id => new[] { id }) : [ids])
        {
            deltas.Add(detokenizer.Push(batch, false));
            if (deltas[^1].Stopped)
            {
                break;
            }
        }

        Assert.Equal(new DetokenizedDelta("", true, "STOP") with { Text = deltas[^1].Text }, deltas[^1]);
        Assert.Equal("a STOP b ", string.Concat(deltas.Select(d => d.Text)));
    }

    [Fact]
    public void Push_StopStringStartingInsideMinTokensAndEndingAfter_Matches()
    {
        // vLLM looks for a stop string ending after the min_tokens text, wherever it starts.
        int[] ids = Tokenizer.Encode("a STOP more");
        Assert.Equal(Tokenizer.Encode("a"), ids[..1]);
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, ["a STOP"], false, minTokens: 1);

        Assert.Equal(new DetokenizedDelta("", false, null), detokenizer.Push(ids[..1], false));
        Assert.Equal(new DetokenizedDelta("", true, "a STOP"), detokenizer.Push(ids[1..], false));
    }

    [Fact]
    public void Push_StopStringEndingInsideMinTokens_IsEmittedAsText()
    {
        int[] ids = Tokenizer.Encode("x STOP");
        IncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(false, ["STOP"], false, minTokens: ids.Length);

        Assert.Equal(new DetokenizedDelta("x STOP", false, null), detokenizer.Push(ids, false));
    }

    [Fact]
    public async Task LocalTextTokenizer_Detokenizer_MatchesCoreBehaviour()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        ITextTokenizer local = new LocalTextTokenizer(Tokenizer);
        IIncrementalDetokenizer detokenizer = await local.StartDetokenizerAsync(
            new DetokenizerOptions(false, ["\n\n"], false), timeout.Token);

        DetokenizedDelta delta = await detokenizer.PushAsync(Tokenizer.Encode("one\n\ntwo"), false, timeout.Token);

        Assert.Equal(new DetokenizedDelta("one", true, "\n\n"), delta);
        await detokenizer.DisposeAsync();
    }
}

using Inference.Grammar;
using Inference.Grammar.Vocabulary;
using Worker.Runtime.Sampling;
using Worker.Tests.Support;

namespace Worker.Tests.Sampling;

/// <summary>A mask filled ahead (while the forward pass runs) is the one filled at sampling time, and is used once.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class GrammarMaskTests(TinyModelFixture tiny)
{
    [Fact]
    public void PreparedMask_EqualsTheMaskFilledAtSamplingAndIsUsedOnce()
    {
        var vocabulary = TokenVocabulary.FromTokenizerJson(
            Path.Combine(tiny.ModelPath, "tokenizer.json"), tiny.Runner.Info.VocabSize, tiny.Runner.Info.EosTokenIds);
        var matcher = new GrammarMatcher(new GrammarCompiler(vocabulary).Compile(GrammarSpec.Choice(["yes", "no"])));
        int vocabSize = tiny.Runner.Info.VocabSize;
        var mask = new GrammarMask();

        mask.Prepare(matcher, vocabSize);
        var prepared = Masked(mask, matcher, vocabSize);
        var filledNow = Masked(new GrammarMask(), matcher, vocabSize);
        int first = Array.FindIndex(prepared, allowed => allowed);
        matcher.AcceptToken(first);
        var afterAccepting = Masked(mask, matcher, vocabSize);

        Assert.Equal(filledNow, prepared);
        Assert.Equal(Masked(new GrammarMask(), matcher, vocabSize), afterAccepting);
        Assert.NotEqual(prepared, afterAccepting);
    }

    /// <summary>Which tokens keep a finite logit.</summary>
    private static bool[] Masked(GrammarMask mask, GrammarMatcher matcher, int vocabSize)
    {
        var logits = new float[vocabSize];
        mask.Apply(logits, matcher);
        return [.. logits.Select(float.IsFinite)];
    }
}

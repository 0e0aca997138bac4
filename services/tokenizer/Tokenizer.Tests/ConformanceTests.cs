using Tokenizer.Core;

namespace Tokenizer.Tests;

/// <summary>All 390 corpus strings against Hugging Face tokenizers (Rust 0.22.2).</summary>
public sealed class ConformanceTests
{
    [Fact]
    public void Encode_EveryCorpusString_MatchesHuggingFaceIds()
    {
        QwenTokenizer tokenizer = Fixtures.Qwen3;
        var failures = ConformanceCorpus.Entries
            .Where(e => !tokenizer.Encode(e.Text).SequenceEqual(e.Ids))
            .Select(e => $"#{e.Index} ({e.Category}): got [{string.Join(",", tokenizer.Encode(e.Text))}] want [{string.Join(",", e.Ids)}]")
            .ToList();
        Assert.Equal(390, ConformanceCorpus.Entries.Count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Decode_EveryCorpusString_MatchesHuggingFaceText()
    {
        QwenTokenizer tokenizer = Fixtures.Qwen3;
        var failures = ConformanceCorpus.Entries
            .Where(e => tokenizer.Decode(e.Ids, skipSpecialTokens: false) != e.Decoded)
            .Select(e => $"#{e.Index} ({e.Category})")
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void IdToToken_EveryCorpusId_MatchesHuggingFaceConvertIdsToTokens()
    {
        QwenTokenizer tokenizer = Fixtures.Qwen3;
        var failures = ConformanceCorpus.Entries
            .Where(e => !e.Ids.Select(tokenizer.IdToToken).SequenceEqual(e.Tokens))
            .Select(e => $"#{e.Index} ({e.Category}): got [{string.Join(",", e.Ids.Select(tokenizer.IdToToken))}]")
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Null(tokenizer.IdToToken(tokenizer.VocabSize));
        Assert.Null(tokenizer.IdToToken(-1));
    }

    [Fact]
    public void Decode_SkipSpecialTokens_MatchesHuggingFaceText()
    {
        QwenTokenizer tokenizer = Fixtures.Qwen3;
        var withSkip = ConformanceCorpus.Entries.Where(e => e.DecodedSkipSpecial is not null).ToList();
        var failures = withSkip
            .Where(e => tokenizer.Decode(e.Ids, skipSpecialTokens: true) != e.DecodedSkipSpecial)
            .Select(e => $"#{e.Index} ({e.Category}): got '{tokenizer.Decode(e.Ids, true)}'")
            .ToList();
        Assert.NotEmpty(withSkip);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Qwen2.5 shares vocabulary, merges and pattern with Qwen3 but lacks the added tokens
    /// &lt;think&gt; (151667) and &lt;/think&gt; (151668); every string whose ids avoid them tokenizes the same.</summary>
    [Fact]
    public void Encode_Qwen25_MatchesCorpusWhereThinkTokensAreAbsent()
    {
        QwenTokenizer tokenizer = Fixtures.Qwen25;
        var applicable = ConformanceCorpus.Entries
            .Where(e => !e.Text.Contains("<think>") && !e.Text.Contains("</think>")
                && !e.Text.Contains("<tool_response>") && !e.Text.Contains("</tool_response>"))
            .ToList();
        var failures = applicable
            .Where(e => !tokenizer.Encode(e.Text).SequenceEqual(e.Ids) || tokenizer.Decode(e.Ids, false) != e.Decoded)
            .Select(e => $"#{e.Index} ({e.Category})")
            .ToList();
        Assert.True(applicable.Count > 300, $"only {applicable.Count} applicable strings");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

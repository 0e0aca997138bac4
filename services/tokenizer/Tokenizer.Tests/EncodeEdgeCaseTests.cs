using System.Text;
using Tokenizer.Core;
using Tokenizer.Core.Loading;

namespace Tokenizer.Tests;

public sealed class EncodeEdgeCaseTests
{
    private static QwenTokenizer Tokenizer => Fixtures.Qwen3;

    [Theory]
    [InlineData("𠮷野家")]
    [InlineData("𝐇𝐞𝐥𝐥𝐨 𝟎𝟏")]
    [InlineData("x😀y")]
    public void Encode_AstralLettersAndDigits_RoundTrip(string text)
    {
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text), false));
    }

    [Fact]
    public void Encode_AstralDigits_AreSplitOnePerPiece()
    {
        // \p{N} matches one code point: U+1D7CE MATHEMATICAL BOLD DIGIT ZERO twice is two pieces, so the
        // bytes of each digit are encoded separately; .NET Regex would see no digits and merge them.
        int[] pair = Tokenizer.Encode("𝟎𝟎");
        int[] single = Tokenizer.Encode("𝟎");
        Assert.Equal(single.Concat(single), pair);
    }

    [Fact]
    public void Encode_CombiningMarkAfterSpecialToken_DoesNotComposeWithIt()
    {
        // NFC over the whole string would turn ">" + U+0338 into U+226F and lose <|im_end|>.
        Assert.Equal([151645, 136, 116], Tokenizer.Encode("<|im_end|>\u0338"));
    }

    [Fact]
    public void Encode_DecomposedText_IsNormalizedToNfc()
    {
        Assert.Equal(Tokenizer.Encode("caf\u00E9"), Tokenizer.Encode("cafe\u0301"));
    }

    [Theory]
    [InlineData("\uD800")]
    [InlineData("a\uDC00b")]
    [InlineData("\uFFFE\uFFFF x\u0301")]
    public void Encode_LoneSurrogatesAndNoncharacters_DoNotThrowAndMatchReplacement(string text)
    {
        string expected = Core.Text.NfcNormalizer.Normalize(text);
        Assert.Equal(Tokenizer.Encode(expected), Tokenizer.Encode(text));
        Assert.DoesNotContain(Tokenizer.Decode(Tokenizer.Encode(text), false), c => char.IsSurrogate(c));
    }

    [Fact]
    public void Encode_Nul_IsOrdinaryByteToken()
    {
        Assert.Equal([64, 188, 65], Tokenizer.Encode("a\0b"));
    }

    [Fact]
    public void Encode_WithoutSpecialTokenParsing_EncodesSpecialTokenTextLiterally()
    {
        int[] literal = Tokenizer.Encode("<|im_end|>", parseSpecialTokens: false);

        Assert.DoesNotContain(151645, literal);
        Assert.Equal("<|im_end|>", Tokenizer.Decode(literal, true));
    }

    [Fact]
    public void Encode_WithoutSpecialTokenParsing_KeepsNonSpecialAddedTokens()
    {
        // Hugging Face split_special_tokens=True only splits tokens flagged special.
        Assert.Equal([151667], Tokenizer.Encode("<think>", parseSpecialTokens: false));
    }

    [Fact]
    public void Encode_TextLongerThanLimit_ThrowsNamingFieldAndLimit()
    {
        QwenTokenizer small = QwenTokenizer.Load(Fixtures.Qwen3Directory, new TokenizerOptions { MaxInputChars = 10 });

        var error = Assert.Throws<TokenizerInputException>(() => small.Encode(new string('a', 11)));

        Assert.Equal("text", error.Field);
        Assert.Contains("at most 10", error.Message);
        Assert.NotEmpty(small.Encode(new string('a', 10)));
    }

    [Fact]
    public void Decode_UnknownIds_AreDroppedLikeHuggingFace()
    {
        Assert.Equal("ab", Tokenizer.Decode([64, 999_999, -1, 65], false));
    }

    [Fact]
    public void Load_DifferentPreTokenizer_IsRefusedWithClearMessage()
    {
        string dir = Directory.CreateTempSubdirectory("tok").FullName;
        try
        {
            string json = File.ReadAllText(Path.Combine(Fixtures.Qwen3Directory, "tokenizer.json"))
                .Replace("\"behavior\":\"Isolated\"", "\"behavior\":\"Removed\"").Replace("\"behavior\": \"Isolated\"", "\"behavior\": \"Removed\"");
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json);
            File.Copy(Path.Combine(Fixtures.Qwen3Directory, "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));

            var error = Assert.Throws<TokenizerLoadException>(() => QwenTokenizer.Load(dir, new TokenizerOptions()));

            Assert.Contains("pre_tokenizer", error.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Load_MissingFolder_IsRefusedWithPath()
    {
        var error = Assert.Throws<TokenizerLoadException>(() => QwenTokenizer.Load("/nonexistent/model", new TokenizerOptions()));
        Assert.Contains("tokenizer.json", error.Message);
    }

    [Fact]
    public void Load_Qwen3_ReportsEosAndNoBos()
    {
        Assert.Equal([151645], Tokenizer.EosTokenIds);
        Assert.Equal(-1, Tokenizer.BosTokenId);
        Assert.Equal(151669, Tokenizer.VocabSize);
    }

    /// <summary>The whole conformance corpus as one document: the words' BPE cache fills during the first encode, and
    /// must not change the second; and the ids decode back to the text. (Speed is measured by `bench-tokenizer`.)</summary>
    [Fact]
    public void Encode_LongMixedDocument_IsStableOnceTheBpeCacheIsWarm_AndRoundTrips()
    {
        var corpus = new StringBuilder();
        foreach (ConformanceEntry entry in ConformanceCorpus.Entries.Where(e => IsNfcText(e.Text)))
        {
            corpus.Append(entry.Text).Append('\n');
        }

        string document = corpus.ToString();
        int[] cold = Tokenizer.Encode(document);
        int[] warm = Tokenizer.Encode(document);

        Assert.Equal(cold, warm);
        Assert.Equal(document, Tokenizer.Decode(cold, skipSpecialTokens: false));
    }

    /// <summary>Well-formed UTF-16 already in NFC: text whose decode gives it back exactly (lone surrogates decode to
    /// U+FFFD, and encoding normalizes to NFC).</summary>
    private static bool IsNfcText(string text)
    {
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            if (char.IsSurrogate(text[i]) && !char.IsSurrogatePair(text, i))
            {
                return false;
            }
        }

        try
        {
            return text.IsNormalized(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return false; // code points ICU refuses to normalize (noncharacters)
        }
    }
}

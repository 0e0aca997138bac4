using System.Text.Json.Nodes;
using Tokenizer.Core;
using Tokenizer.Core.Text;

namespace Tokenizer.Tests;

/// <summary>
/// The Llama 3 family's tokenizer.json settings, applied to the Qwen3 fixture's vocabulary (no real Llama 3 file can
/// be fetched here): no normalizer, numbers split three digits at a time, ignore_merges, and a TemplateProcessing
/// post-processor that puts BOS first when add_special_tokens is set.
/// </summary>
public sealed class Llama3TokenizerFormatTests : IDisposable
{
    private const string Bos = "<|begin_of_text|>";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "llama3-format-" + Guid.NewGuid().ToString("N"));
    private readonly int _bosId;

    public Llama3TokenizerFormatTests()
    {
        Directory.CreateDirectory(_directory);
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Qwen3Directory, "tokenizer.json")))!;
        var added = tokenizer["added_tokens"]!.AsArray();
        _bosId = added.Max(t => t!["id"]!.GetValue<int>()) + 1;
        added.Add(new JsonObject
        {
            ["id"] = _bosId, ["content"] = Bos, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
            ["normalized"] = false, ["special"] = true,
        });
        tokenizer["normalizer"] = null;
        tokenizer["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] = SplitPatternPreTokenizer.Llama3Pattern;
        tokenizer["model"]!["ignore_merges"] = true;
        // Qwen's vocabulary has no multi-digit tokens; Llama 3's has every number up to 999. Two of them, for the tests.
        var vocab = tokenizer["model"]!["vocab"]!.AsObject();
        vocab["123"] = _bosId + 1;
        vocab["456"] = _bosId + 2;
        tokenizer["post_processor"] = JsonNode.Parse($$$$"""
            {"type":"Sequence","processors":[
              {"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},
              {"type":"TemplateProcessing",
               "single":[{"SpecialToken":{"id":"{{{{Bos}}}}","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
               "pair":[{"SpecialToken":{"id":"{{{{Bos}}}}","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"{{{{Bos}}}}","type_id":1}},{"Sequence":{"id":"B","type_id":1}}],
               "special_tokens":{"{{{{Bos}}}}":{"id":"{{{{Bos}}}}","ids":[{{{{_bosId}}}}],"tokens":["{{{{Bos}}}}"]}}}]}
            """);
        File.WriteAllText(Path.Combine(_directory, "tokenizer.json"), tokenizer.ToJsonString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Qwen3Directory, "tokenizer_config.json")))!;
        config["bos_token"] = Bos;
        File.WriteAllText(Path.Combine(_directory, "tokenizer_config.json"), config.ToJsonString());
    }

    private QwenTokenizer Llama3Style => QwenTokenizer.Load(_directory, new TokenizerOptions());

    [Fact]
    public void Split_Numbers_TakesThreeDigitsAtATimeAfterLlama3sPatternAndOneAfterQwens()
    {
        var llama = new List<(int Offset, int Length)>();
        var qwen = new List<(int Offset, int Length)>();

        SplitPatternPreTokenizer.Llama3.Split("a 1234567x", llama);
        SplitPatternPreTokenizer.Qwen2.Split("a 1234567x", qwen);

        Assert.Equal([(0, 1), (1, 1), (2, 3), (5, 3), (8, 1), (9, 1)], llama);
        Assert.Equal(10, qwen.Count);
    }

    [Fact]
    public void Encode_ThreeDigitNumbersInTheVocabulary_AreOneIdEach()
    {
        var tokenizer = Llama3Style;

        var ids = tokenizer.Encode("1234567");

        Assert.Equal([_bosId + 1, _bosId + 2, .. Fixtures.Qwen3.Encode("7")], ids);
        Assert.Equal("1234567", tokenizer.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Encode_AddSpecialTokens_PutsBosFirst()
    {
        var tokenizer = Llama3Style;

        var plain = tokenizer.Encode("Hello world");
        var withBos = tokenizer.Encode("Hello world", addSpecialTokens: true);

        Assert.Equal([_bosId, .. plain], withBos);
        Assert.Equal(_bosId, tokenizer.BosTokenId);
        Assert.Equal("Hello world", tokenizer.Decode(withBos, skipSpecialTokens: true));
    }

    [Fact]
    public void Encode_AddSpecialTokensOnQwen_AddsNothing()
    {
        Assert.Equal(Fixtures.Qwen3.Encode("Hello world"), Fixtures.Qwen3.Encode("Hello world", addSpecialTokens: true));
    }

    [Fact]
    public void Encode_DecomposedText_IsNotNormalized()
    {
        const string decomposed = "Cafe\u0301";

        Assert.Equal(decomposed, Llama3Style.Decode(Llama3Style.Encode(decomposed), skipSpecialTokens: false));
        Assert.Equal("Caf\u00e9", Fixtures.Qwen3.Decode(Fixtures.Qwen3.Encode(decomposed), skipSpecialTokens: false));
    }

    [Fact]
    public void Encode_IgnoreMerges_GivesHuggingFacesIdsWhereEveryWholeWordIsWhatTheMergesMake()
    {
        // A BPE vocabulary holds every word its merges build, so with the Qwen3 merges ignore_merges changes nothing on
        // text without digit runs or decomposed characters: the corpus ids must come out of the whole-word path unchanged.
        var tokenizer = Llama3Style;
        var entries = ConformanceCorpus.Entries
            .Where(e => !e.Text.Any(char.IsDigit) && IsNfc(e.Text) && !e.Text.Contains("<|", StringComparison.Ordinal))
            .ToList();

        var mismatches = entries.Where(e => !tokenizer.Encode(e.Text).SequenceEqual(e.Ids)).Select(e => e.Index).ToList();

        Assert.True(entries.Count > 100, $"only {entries.Count} corpus strings qualify");
        Assert.Empty(mismatches);
    }

    private static bool IsNfc(string text)
    {
        try
        {
            return text.IsNormalized();
        }
        catch (ArgumentException)
        {
            return false; // lone surrogates
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

using System.Text.Json;
using Inference.Cli.Tests.Support;
using Inference.Gguf;
using Tokenizer.Core;
using Tokenizer.Core.Loading;

namespace Inference.Cli.Tests.TokenizerGguf;

/// <summary>
/// The tokenizer a GGUF file carries, as our converter writes it from the tiny Qwen3 checkpoint's real Qwen3
/// tokenizer, is the tokenizer of the folder: Hugging Face's ids on the conformance corpus, the same decoded text, the
/// same chat template and EOS.
/// </summary>
[Collection(TinyFamilyGgufsCollection.Name)]
public sealed class GgufTokenizerTests(TinyFamilyGgufs models) : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    private QwenTokenizer FromGguf() => QwenTokenizer.Load(models.Gguf("qwen3", "f32"), new TokenizerOptions());

    private QwenTokenizer FromFolder() => QwenTokenizer.Load(models.Folder("qwen3"), new TokenizerOptions());

    [Fact]
    public void ConformanceCorpus_EncodesToHuggingFaceIds()
    {
        var tokenizer = FromGguf();
        var mismatches = Corpus().Where(e => !tokenizer.Encode(e.Text).SequenceEqual(e.Ids)).Select(e => e.Index).ToList();

        Assert.True(mismatches.Count == 0, $"entries encoded differently: {string.Join(", ", mismatches.Take(20))}");
    }

    /// <summary>
    /// With special tokens kept. Skipping them differs on purpose: GGUF has no "special" flag, only token types, and
    /// the converter (like gguf-py) makes every "&lt;|...|&gt;" added token a control token, so the few Qwen marks
    /// non-special (&lt;|fim_prefix|&gt;, &lt;|repo_name|&gt;, &lt;|file_sep|&gt;, ...) are skipped as llama.cpp skips them
    /// (conformance entries 223, 226 and 234).
    /// </summary>
    [Fact]
    public void ConformanceCorpus_DecodesAsTheFolderTokenizerDoes()
    {
        var gguf = FromGguf();
        var folder = FromFolder();
        var mismatches = Corpus().Where(e => gguf.Decode(e.Ids, skipSpecialTokens: false) != folder.Decode(e.Ids, skipSpecialTokens: false))
            .Select(e => e.Index).ToList();

        Assert.True(mismatches.Count == 0, $"entries decoded differently: {string.Join(", ", mismatches.Take(20))}");
    }

    [Fact]
    public void ChatTemplate_IsTheFoldersTemplate()
    {
        Assert.Equal(FromFolder().ChatTemplate, FromGguf().ChatTemplate);
    }

    [Fact]
    public void EosToken_IsTheFoldersEosToken()
    {
        Assert.Equal(FromFolder().EosToken, FromGguf().EosToken);
    }

    [Fact]
    public void OtherPreTokenizer_IsRefusedByName()
    {
        string path = _directory.File("llama-bpe.gguf");
        var metadata = new GgufMetadata
        {
            [GgufKeys.TokenizerModel] = GgufValue.String("gpt2"),
            [GgufKeys.TokenizerPre] = GgufValue.String("llama-bpe"),
        };
        using (var stream = File.Create(path))
        {
            GgufWriter.Write(stream, metadata, []);
        }

        var error = Assert.Throws<TokenizerLoadException>(() => QwenTokenizer.Load(path, new TokenizerOptions()));
        Assert.Contains("tokenizer.ggml.pre is 'llama-bpe'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();

    private static List<(int Index, string Text, int[] Ids)> Corpus()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(CorpusPath()));
        return document.RootElement.GetProperty("entries").EnumerateArray().Select(e => (
            e.GetProperty("i").GetInt32(),
            e.TryGetProperty("utf16", out var units)
                ? new string(units.EnumerateArray().Select(u => (char)u.GetInt32()).ToArray())
                : e.GetProperty("text").GetString()!,
            e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray())).ToList();
    }

    /// <summary>fixtures/tokenizer/qwen3-conformance.json, found from the test's folder up to the repository root.</summary>
    private static string CorpusPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "fixtures", "tokenizer", "qwen3-conformance.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("fixtures/tokenizer/qwen3-conformance.json not found above " + AppContext.BaseDirectory);
    }
}

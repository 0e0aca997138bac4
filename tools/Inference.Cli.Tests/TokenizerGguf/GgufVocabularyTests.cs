using Inference.Cli.Tests.Support;
using Inference.Grammar.Vocabulary;
using Worker.Runtime.Models.Gguf;

namespace Inference.Cli.Tests.TokenizerGguf;

/// <summary>Structured output masks the same token bytes whether its vocabulary comes from tokenizer.json or the GGUF file's token list.</summary>
[Collection(TinyFamilyGgufsCollection.Name)]
public sealed class GgufVocabularyTests(TinyFamilyGgufs models)
{
    [Fact]
    public void GgufVocabulary_HasTheTokenizerJsonBytesForEveryId()
    {
        const int VocabSize = 151936;
        int[] eos = [151645];
        var expected = TokenVocabulary.FromTokenizerJson(Path.Combine(models.Folder("qwen3"), "tokenizer.json"), VocabSize, eos);
        var actual = GgufVocabulary.Read(models.Gguf("qwen3", "f32"), VocabSize, eos);

        var differing = Enumerable.Range(0, VocabSize)
            .Where(id => expected.IsNormal(id) != actual.IsNormal(id) || !expected.GetBytes(id).SequenceEqual(actual.GetBytes(id)))
            .Take(10).ToList();
        Assert.True(differing.Count == 0, $"ids whose bytes differ: {string.Join(", ", differing)}");
    }
}

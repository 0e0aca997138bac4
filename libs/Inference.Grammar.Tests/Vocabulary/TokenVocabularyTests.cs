using System.Text;
using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Vocabulary;

public sealed class TokenVocabularyTests
{
    [Fact]
    public void FromTokenizerJson_Qwen_CoversTheModelVocabSize()
    {
        Assert.Equal(Qwen.ModelVocabSize, Qwen.Vocabulary.Size);
        Assert.Equal((Qwen.ModelVocabSize + 63) / 64, Qwen.Vocabulary.MaskWords);
    }

    [Fact]
    public void FromTokenizerJson_Qwen_KeepsEveryBpeTokenAndNoAddedToken()
    {
        Assert.Equal(151643, Qwen.Vocabulary.NormalTokenCount);
    }

    [Theory]
    [InlineData(Qwen.EndOfText)]
    [InlineData(Qwen.ImStart)]
    [InlineData(Qwen.ImEnd)]
    [InlineData(151657)]
    [InlineData(151700)]
    [InlineData(Qwen.ModelVocabSize - 1)]
    public void IsNormal_AddedSpecialOrPaddingId_IsFalse(int id)
    {
        Assert.False(Qwen.Vocabulary.IsNormal(id));
    }

    [Fact]
    public void GetBytes_ByteLevelToken_DecodesTheGpt2Alphabet()
    {
        int id = Qwen.TokenOf(" hello");

        Assert.Equal(" hello", Encoding.UTF8.GetString(Qwen.Vocabulary.GetBytes(id)));
        Assert.True(Qwen.Vocabulary.GetBytes(Qwen.TokenOf("\n")).SequenceEqual("\n"u8));
    }
}

using Gateway.Api.Reasoning;

namespace Gateway.Tests.Reasoning;

public sealed class ReasoningStreamTests
{
    [Theory]
    [InlineData("<think>\nLet me see.\n</think>\n\nParis.", "Let me see.", "Paris.")]
    [InlineData("<think>\na\n\nb\n</think>\n\nc </think> d", "a\n\nb", "c </think> d")]
    [InlineData("<think>\n\n</think>\n\nHi", null, "Hi")]
    [InlineData("<think>\nstill thinking when max_tokens hit", "still thinking when max_tokens hit", null)]
    [InlineData("<think>\nall thought\n</think>\n\n", "all thought", null)]
    [InlineData("Paris. <think>no</think>", null, "Paris. <think>no</think>")]
    [InlineData("<this is no tag", null, "<this is no tag")]
    [InlineData("<thi", null, "<thi")]
    [InlineData("", null, "")]
    public void Qwen3_TakesTheBlockOnlyWhereTheAnswerOpensWithIt(string text, string? reasoning, string? content)
    {
        Assert.Equal((reasoning, content), ReasoningStream.Split(text, reasoningFromStart: false));
    }

    [Theory]
    [InlineData("Let me see.\n</think>\n\nParis.", "Let me see.", "Paris.")]
    [InlineData("<think>\nLet me see.</think>Paris.", "Let me see.", "Paris.")]
    [InlineData("never closed", "never closed", null)]
    [InlineData("a </thin", "a </thin", null)]
    public void DeepSeekR1_TakesTheAnswerAsReasoningFromItsStart(string text, string? reasoning, string? content)
    {
        Assert.Equal((reasoning, content), ReasoningStream.Split(text, reasoningFromStart: true));
    }

    [Theory]
    [InlineData("<think>\nLet me see.\n</think>\n\nParis.", false)]
    [InlineData("<think>\na\n\nb\r\n</think>\n\nc </think> d", false)]
    [InlineData("<this is no tag", false)]
    [InlineData("<think>\nnever closed </thi", false)]
    [InlineData("plain <think> text", false)]
    [InlineData("Let me see.\n</think>\n\nParis.", true)]
    [InlineData("<think>x</thinker> y </think>z", true)]
    public void StreamedInAnyPieces_SplitsAsTheWholeAnswerDoes(string text, bool reasoningFromStart)
    {
        var whole = ReasoningStream.Split(text, reasoningFromStart);
        for (int cut = 0; cut <= text.Length; cut++)
        {
            Assert.Equal(whole, Streamed(reasoningFromStart, text[..cut], text[cut..]));
        }

        Assert.Equal(whole, Streamed(reasoningFromStart, [.. text.Select(c => c.ToString())]));
    }

    [Fact]
    public void APossibleCloseTag_IsHeldBackUntilTheNextPieceDecidesIt()
    {
        var stream = new ReasoningStream(reasoningFromStart: false);

        Assert.Equal(new ReasoningStep("", ""), stream.Push("<thi"));
        Assert.Equal(new ReasoningStep("a", ""), stream.Push("nk>\na\n</thi"));
        Assert.Equal(new ReasoningStep("", "b"), stream.Push("nk>\n\nb"));
        Assert.True(stream.HadReasoning);
    }

    /// <summary>The pieces pushed one by one, concatenated as a client would; nulls as <see cref="ReasoningStream.Split"/> gives them.</summary>
    private static (string? Reasoning, string? Content) Streamed(bool reasoningFromStart, params string[] pieces)
    {
        var stream = new ReasoningStream(reasoningFromStart);
        string reasoning = "", content = "";
        foreach (var piece in pieces)
        {
            var step = stream.Push(piece);
            reasoning += step.Reasoning;
            content += step.Content;
        }

        var last = stream.Complete();
        reasoning += last.Reasoning;
        content += last.Content;
        return stream.HadReasoning ? (reasoning.Length > 0 ? reasoning : null, content.Length > 0 ? content : null) : (null, content);
    }
}

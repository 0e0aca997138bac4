using Inference.Abstractions.Text;
using Tokenizer.Core.Templating;

namespace Tokenizer.Tests;

/// <summary>continue_final_message cuts the rendered prompt right after the final message's text, as transformers does.</summary>
public sealed class ContinueFinalMessageTests
{
    private static readonly ChatTemplateRenderer Renderer = ChatTemplateRenderer.TryCreate(Fixtures.Qwen25)!;

    [Fact]
    public void Render_ContinueFinalAssistantMessage_EndsWithItsTextAndNoEndOfTurn()
    {
        var prompt = Renderer.Render(Input("""[{"role":"user","content":"Count to three."},{"role":"assistant","content":"One, two,"}]"""));

        Assert.EndsWith("<|im_start|>assistant\nOne, two,", prompt);
        Assert.Equal(
            Renderer.Render(Input("""[{"role":"user","content":"Count to three."},{"role":"assistant","content":"One, two,"}]""", continueFinal: false)),
            prompt + "<|im_end|>\n");
    }

    [Fact]
    public void Render_FinalMessageWithTrailingSpaceTheTemplateKeeps_KeepsTheSpace()
    {
        var prompt = Renderer.Render(Input("""[{"role":"user","content":"Hi"},{"role":"assistant","content":"Well "}]"""));

        Assert.EndsWith("assistant\nWell ", prompt);
    }

    [Fact]
    public void Render_FinalMessageWithLeadingSpace_CutsAfterItsStrippedText()
    {
        var prompt = Renderer.Render(Input("""[{"role":"user","content":"Hi"},{"role":"assistant","content":" Well "}]"""));

        Assert.EndsWith("assistant\n Well", prompt);
    }

    [Fact]
    public void Render_ContinueWithAddGenerationPrompt_IsRefused()
    {
        var input = Input("""[{"role":"user","content":"Hi"}]""") with { AddGenerationPrompt = true };

        var error = Assert.Throws<ChatTemplateException>(() => Renderer.Render(input));

        Assert.Contains("continue_final_message", error.Message);
    }

    [Fact]
    public void Render_FinalMessageWithoutText_IsRefused()
    {
        var error = Assert.Throws<ChatTemplateException>(() =>
            Renderer.Render(Input("""[{"role":"user","content":"Hi"},{"role":"assistant","content":null}]""")));

        Assert.Contains("no text to continue", error.Message);
    }

    private static ChatTemplateInput Input(string messages, bool continueFinal = true) =>
        new(messages, null, AddGenerationPrompt: false, null, continueFinal);
}

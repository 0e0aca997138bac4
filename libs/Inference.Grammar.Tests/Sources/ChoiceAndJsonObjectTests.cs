using System.Text.Json;
using System.Text.Json.Nodes;
using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Sources;

public sealed class ChoiceAndJsonObjectTests
{
    private static readonly string[] Choices = ["a", "ab", "abc", "positive", "negative", "neutral", "très bien", "日本語"];

    [Fact]
    public void Choice_RandomWalks_EndOnOneOfTheChoices()
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.Choice(Choices));
        for (int seed = 0; seed < 30; seed++)
        {
            var (text, _) = new RandomWalk(grammar, seed) { SoftBudget = seed % 3 }.Run();
            Assert.Contains(text, Choices);
        }
    }

    [Fact]
    public void Choice_Empty_IsRefused()
    {
        Assert.Throws<GrammarException>(() => Qwen.Compiler.Compile(GrammarSpec.Choice([])));
    }

    [Theory]
    [InlineData("", "{\"a\":[1,2]}", true)]
    [InlineData("", "{\"a\": [1,2]}", false)]
    [InlineData("[ ]?", "{\"a\": [1, 2]}", true)]
    [InlineData("[ ]?", "{\"a\":  [1,2]}", false)]
    public void JsonObject_AWhitespacePattern_DecidesWhatStandsBetweenTokens(string pattern, string json, bool accepted)
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonObject(pattern));

        Assert.Equal(accepted, TextFeeder.AcceptsWhole(grammar, json));
    }

    [Fact]
    public void JsonSchema_CompactWhitespace_RandomWalksHaveNoSpaceOutsideStrings()
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonSchema("""{"type":"object","properties":{"k":{"type":"array","items":{"type":"integer"}}},"required":["k"]}""", whitespacePattern: ""));
        for (int seed = 0; seed < 10; seed++)
        {
            var (text, _) = new RandomWalk(grammar, seed) { SoftBudget = 6 }.Run();
            Assert.DoesNotContain(' ', text);
            Assert.DoesNotContain('\n', text);
        }
    }

    [Fact]
    public void JsonObject_RandomWalks_ProduceJsonObjects()
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonObject());
        for (int seed = 0; seed < 15; seed++)
        {
            var (text, _) = new RandomWalk(grammar, seed) { SoftBudget = 5 + 10 * (seed % 5) }.Run();
            var node = JsonNode.Parse(text);
            Assert.Equal(JsonValueKind.Object, node!.GetValueKind());
        }
    }
}

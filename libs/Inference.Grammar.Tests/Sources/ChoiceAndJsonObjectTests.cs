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

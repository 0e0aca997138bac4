using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Sources;

/// <summary>vLLM's structural_tag (xgrammar's structural tag): free text, and from each trigger on a tagged JSON structure.</summary>
public sealed class StructuralTagTests
{
    private const string Weather = """{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":7}},"required":["city"]}""";
    private const string Time = """{"type":"object","properties":{"zone":{"enum":["UTC","CET"]}},"required":["zone"]}""";

    private static readonly string[] FunctionTriggers = ["<function="];

    private static readonly (string Begin, string Schema, string End)[] Functions =
    [
        ("<function=get_weather>", Weather, "</function>"),
        ("<function=get_time>", Time, "</function>"),
    ];

    [Theory]
    [InlineData("")]
    [InlineData("Sure, let me check. <b>bold</b> and <func and function= are fine; 日本語 too.\n")]
    [InlineData("<function")]
    [InlineData("<function=get_weather>{\"city\":\"Paris\"}</function>")]
    [InlineData("I'll look.\n<function=get_weather>{\"city\": \"Oslo\", \"days\": 3}</function>\nand the time: <function=get_time>{\"zone\":\"CET\"}</function> done")]
    [InlineData("<function=get_time>{\"zone\":\"UTC\"}</function><function=get_time>{\"zone\":\"UTC\"}</function>")]
    public void FreeTextAndWholeStructures_AreAccepted(string text)
    {
        Assert.True(TextFeeder.AcceptsWhole(Compile(FunctionTriggers, Functions), text));
    }

    [Theory]
    [InlineData("call <function=get_news>{}</function>")]
    [InlineData("<function= get_weather>{\"city\":\"Paris\"}</function>")]
    [InlineData("<function=get_weather>{\"city\":Paris}</function>")]
    [InlineData("<function=get_weather>{\"city\":\"Paris\",\"days\":9}</function>")]
    [InlineData("<function=get_weather>{\"city\":\"Paris\",\"extra\":1}</function>")]
    [InlineData("<function=get_time>{\"zone\":\"UTC\"}</func>")]
    [InlineData("<function=get_time>{\"zone\":\"UTC\"}</function></function>x<function=")]
    public void ATriggerNotFollowedByAStructure_OrJsonNotMatchingItsSchema_IsRefused(string text)
    {
        var matcher = new GrammarMatcher(Compile(FunctionTriggers, Functions));

        Assert.False(TextFeeder.Feed(matcher, text) && matcher.CanTerminate);
    }

    [Theory]
    [InlineData("<function=")]
    [InlineData("text <function=get_weather>")]
    [InlineData("<function=get_weather>{\"city\":\"Paris\"}")]
    [InlineData("<function=get_weather>{\"city\":\"Paris\"}</funct")]
    public void InsideAStructure_TheOutputCannotEnd(string text)
    {
        var matcher = new GrammarMatcher(Compile(FunctionTriggers, Functions));

        Assert.True(TextFeeder.Feed(matcher, text));
        Assert.False(matcher.CanTerminate);
        Assert.False(matcher.AcceptToken(Qwen.ImEnd));
    }

    /// <summary>"&lt;a" and "a&lt;" overlap: the first to appear decides, which a search without failure links gets wrong.</summary>
    [Theory]
    [InlineData("<a>1</a>", true)]
    [InlineData("a<b>\"s\"</b>", true)]
    [InlineData("<<a>1</a>", true)]
    [InlineData("ba<b>\"s\"</b>", true)]
    [InlineData("aa<b>\"s\"</b>", true)]
    [InlineData("x<y a", true)]
    [InlineData("<a<b>\"s\"</b>", false)]
    [InlineData("a<a>1</a>", false)]
    [InlineData("<a>1</a>a<", false)]
    public void OverlappingTriggers_TheFirstToAppearStartsTheStructure(string text, bool accepted)
    {
        var grammar = Compile(["<a", "a<"], [("<a>", """{"type":"integer"}""", "</a>"), ("a<b>", """{"type":"string"}""", "</b>")]);

        Assert.Equal(accepted, TextFeeder.AcceptsWhole(grammar, text));
    }

    /// <summary>In "&lt;&lt;&lt;f" the trigger "&lt;&lt;f" starts at the second character, after a partial match of it.</summary>
    [Theory]
    [InlineData("<<<f>1!", true)]
    [InlineData("<<x<<<f>1!<", true)]
    [InlineData("<<<f>x", false)]
    [InlineData("<<<<f>", false)]
    public void ATriggerAfterAPartialMatchOfItself_StartsTheStructure(string text, bool accepted)
    {
        var grammar = Compile(["<<f"], [("<<f>", """{"type":"integer"}""", "!")]);

        Assert.Equal(accepted, TextFeeder.AcceptsWhole(grammar, text));
    }

    /// <summary>"a" ends "ba": where both appear at once, free text "b" then "a", or "ba", may start the structure.</summary>
    [Theory]
    [InlineData("ba:1;", true)]
    [InlineData("ba=\"s\";", true)]
    [InlineData("xa=\"s\";", true)]
    [InlineData("xa:1;", false)]
    [InlineData("b", true)]
    public void ATriggerThatEndsAnother_EitherMayStartTheStructure(string text, bool accepted)
    {
        var grammar = Compile(["ba", "a"], [("ba:", """{"type":"integer"}""", ";"), ("a=", """{"type":"string"}""", ";")]);

        Assert.Equal(accepted, TextFeeder.AcceptsWhole(grammar, text));
    }

    [Fact]
    public void TwoStructuresSharingATrigger_EachIsAcceptedWithItsOwnSchema()
    {
        var grammar = Compile(FunctionTriggers, Functions);

        Assert.True(TextFeeder.AcceptsWhole(grammar, "<function=get_time>{\"zone\":\"CET\"}</function>"));
        Assert.True(TextFeeder.AcceptsWhole(grammar, "<function=get_weather>{\"city\":\"Rome\"}</function>"));
        Assert.False(TextFeeder.AcceptsWhole(grammar, "<function=get_time>{\"city\":\"Rome\"}</function>"));
    }

    [Fact]
    public void RandomWalks_HoldTriggersOnlyAtStructuresWhoseJsonMatchesTheirSchema()
    {
        string[] triggers = ["<"];
        (string, string, string)[] structures = [("<w>", Weather, "</w>"), ("<t>", Time, "</t>")];
        var grammar = Compile(triggers, structures);
        int total = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var (text, _) = new RandomWalk(grammar, seed) { SoftBudget = 30 + seed % 5 * 10, Favour = b => b.Contains((byte)'<') }.Run();
            Assert.True(StructuralTagOracle.Check(text, triggers, structures, out int count) is null,
                $"seed {seed}: {StructuralTagOracle.Check(text, triggers, structures, out _)} in {text}");
            total += count;
        }
        Assert.True(total >= 20, $"only {total} structures in 40 walks");
    }

    private static CompiledGrammar Compile(string[] triggers, (string, string, string)[] structures) =>
        Qwen.Compiler.Compile(GrammarSpec.StructuralTag(triggers, structures));
}

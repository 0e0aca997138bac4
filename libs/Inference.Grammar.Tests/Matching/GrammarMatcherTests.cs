using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Matching;

public sealed class GrammarMatcherTests
{
    private const string PersonSchema = """
        {"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":0,"maximum":150},"tags":{"type":"array","items":{"enum":["x","y"]}}},"required":["name","age"]}
        """;

    private static bool IsSet(ulong[] mask, int id) => (mask[id >> 6] >> (id & 63) & 1) != 0;

    [Fact]
    public void FillNextTokenMask_NeverAllowsSpecialAddedOrPaddingTokens()
    {
        var matcher = new GrammarMatcher(Qwen.Compiler.Compile(GrammarSpec.JsonObject()));
        var mask = new ulong[Qwen.Vocabulary.MaskWords];
        Assert.True(TextFeeder.Feed(matcher, "{\"a\": \""));

        matcher.FillNextTokenMask(mask);

        int[] never = [Qwen.ImStart, Qwen.ImEnd, Qwen.EndOfText, 151657, 151660, Qwen.ModelVocabSize - 1];
        Assert.DoesNotContain(never, id => IsSet(mask, id));
    }

    [Fact]
    public void FillNextTokenMask_BeforeCompletion_DoesNotAllowEos()
    {
        var matcher = new GrammarMatcher(Qwen.Compiler.Compile(GrammarSpec.JsonSchema(PersonSchema)));
        var mask = new ulong[Qwen.Vocabulary.MaskWords];
        Assert.True(TextFeeder.Feed(matcher, "{\"name\": \"Al\""));

        matcher.FillNextTokenMask(mask);

        Assert.False(IsSet(mask, Qwen.ImEnd));
        Assert.False(matcher.AcceptToken(Qwen.ImEnd));
    }

    [Fact]
    public void FillNextTokenMask_AfterTheGrammarEnds_AllowsOnlyEos()
    {
        var matcher = new GrammarMatcher(Qwen.Compiler.Compile(GrammarSpec.JsonSchema(PersonSchema)));
        var mask = new ulong[Qwen.Vocabulary.MaskWords];
        Assert.True(TextFeeder.Feed(matcher, "{\"name\":\"Al\",\"age\":41}"));

        matcher.FillNextTokenMask(mask);

        var allowed = Enumerable.Range(0, Qwen.Vocabulary.Size).Where(id => IsSet(mask, id)).ToArray();
        Assert.Equal([Qwen.EndOfText, Qwen.ImEnd], allowed);
        Assert.True(matcher.MustTerminate);
    }

    [Fact]
    public void AcceptToken_DisallowedToken_ReturnsFalseAndKeepsTheState()
    {
        var matcher = new GrammarMatcher(Qwen.Compiler.Compile(GrammarSpec.JsonSchema(PersonSchema)));
        Assert.True(TextFeeder.Feed(matcher, "{\"name\":\"Al\",\"age\":"));

        Assert.False(matcher.AcceptToken(Qwen.TokenOf("\"")));
        Assert.True(TextFeeder.Feed(matcher, "41}"));
        Assert.True(matcher.CanTerminate);
    }

    [Fact]
    public void Rollback_RestoresTheEarlierMask()
    {
        var matcher = new GrammarMatcher(Qwen.Compiler.Compile(GrammarSpec.JsonSchema(PersonSchema)));
        var before = new ulong[Qwen.Vocabulary.MaskWords];
        var after = new ulong[Qwen.Vocabulary.MaskWords];
        Assert.True(TextFeeder.Feed(matcher, "{\"name\":\"A"));
        matcher.FillNextTokenMask(before);

        Assert.True(TextFeeder.Feed(matcher, "l\",\"age\":4"));
        matcher.Rollback(10);
        matcher.FillNextTokenMask(after);

        Assert.Equal(before, after);
    }

    [Fact]
    public void Rollback_OfEos_ReopensTheMatcher()
    {
        var matcher = new GrammarMatcher(Qwen.Compiler.Compile(GrammarSpec.Choice(["yes", "no"])));
        Assert.True(TextFeeder.Feed(matcher, "yes"));
        Assert.True(matcher.AcceptToken(Qwen.ImEnd));

        matcher.Rollback(1);

        Assert.False(matcher.IsCompleted);
        Assert.True(matcher.CanTerminate);
    }

    [Fact]
    public void FillNextTokenMask_EqualsCheckingEveryTokenAgainstTheFullStack()
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonSchema(PersonSchema));
        var vocabulary = Qwen.Vocabulary;
        var mask = new ulong[vocabulary.MaskWords];
        string[] prefixes = ["", "{", "{\"name\"", "{\"name\": \"Al", "{\"name\": \"Al\"", "{\"name\": \"Al\", \"age\": 1", "{\"name\": \"Al\", \"age\": 15",
            "{\"name\": \"Al\", \"age\": 15, \"tags\": [", "{\"name\": \"Al\", \"age\": 15, \"tags\": [\"x\"", "{\"name\": \"abcdefghijk"];
        foreach (string prefix in prefixes)
        {
            var matcher = new GrammarMatcher(grammar);
            Assert.True(TextFeeder.Feed(matcher, prefix));
            matcher.FillNextTokenMask(mask);

            var wrong = Enumerable.Range(0, vocabulary.Size).Where(id => IsSet(mask, id) != matcher.IsTokenAllowed(id)).ToList();

            Assert.True(wrong.Count == 0, $"after '{prefix}': {wrong.Count} tokens differ, first {string.Join(",", wrong.Take(5))}");
        }
    }

    [Fact]
    public void Whitespace_IsBoundedAtEachSeparator()
    {
        var matcher = new GrammarMatcher(Qwen.Compiler.Compile(GrammarSpec.JsonObject()));
        int space = Qwen.TokenOf(" ");
        Assert.True(TextFeeder.Feed(matcher, "{"));

        int accepted = 0;
        while (matcher.AcceptToken(space))
        {
            accepted++;
            Assert.True(accepted <= 100, "whitespace is unbounded");
        }

        Assert.Equal(new GrammarCompilerOptions().MaxWhitespace, accepted);
    }

    [Fact]
    public void RandomWalk_OnAnyJsonObject_EndsWithinTheTokenBound()
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonObject());

        var (_, tokens) = new RandomWalk(grammar, seed: 7) { SoftBudget = 200, HardLimit = 2000 }.Run();

        Assert.InRange(tokens, 1, 2000);
    }

    [Fact]
    public void Compile_SameSpecTwice_ReturnsTheCachedGrammar()
    {
        var compiler = new GrammarCompiler(Qwen.Vocabulary);

        var first = compiler.Compile(GrammarSpec.JsonSchema("""{"type": "boolean"}"""));
        var second = compiler.Compile(GrammarSpec.JsonSchema("""{ "type" : "boolean" }"""));

        Assert.Same(first, second);
        Assert.Equal(1, compiler.CachedCount);
    }
}

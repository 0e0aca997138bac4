using System.Text.RegularExpressions;
using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Sources;

public sealed class RegexGenerationTests
{
    [Theory]
    [InlineData(@"[a-z]{3,8}")]
    [InlineData(@"\d{3}-\d{4}")]
    [InlineData(@"(cat|dog)s?")]
    [InlineData(@"^[A-Z][a-z]+( [A-Z][a-z]+)*$")]
    [InlineData(@"-?\d+(\.\d{1,2})?")]
    [InlineData(@"[^,\n]+,x")]
    [InlineData(@"(ab|a)(bc|c)")]
    [InlineData(@"(?:\w+@\w+\.com|N/A)")]
    [InlineData(@"[a-z\s]{0,5}end")]
    public void RandomWalks_OverAllowedTokens_MatchThePattern(string pattern)
    {
        // Counted classes avoid characters outside the BMP: .NET's oracle counts UTF-16 units, the engine code points.
        var grammar = Qwen.Compiler.Compile(GrammarSpec.Regex(pattern));
        for (int seed = 0; seed < 10; seed++)
        {
            var (text, _) = new RandomWalk(grammar, seed) { SoftBudget = 3 + 3 * (seed % 4), PreferClosers = false }.Run();
            Assert.Matches(new Regex($"^(?:{pattern})$", RegexOptions.ECMAScript), text);
        }
    }

    [Theory]
    [InlineData(@"\d{3}", "12a")]
    [InlineData(@"(cat|dog)s?", "cats!")]
    [InlineData(@"[a-c]+", "abcd")]
    public void Text_OutsideThePattern_IsRejected(string pattern, string text)
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.Regex(pattern));

        Assert.False(TextFeeder.AcceptsWhole(grammar, text));
    }

    [Theory]
    [InlineData(@"(?=a)a", "lookahead")]
    [InlineData(@"(?!a)b", "lookahead")]
    [InlineData(@"(?<=a)b", "lookbehind")]
    [InlineData(@"(?<!a)b", "lookbehind")]
    [InlineData(@"(a)\1", "backreference")]
    [InlineData(@"(?<x>a)\k<x>", "backreference")]
    [InlineData(@"(?P<x>a)(?P=x)", "backreference")]
    [InlineData(@"\bword\b", "word boundary")]
    [InlineData(@"(?i)abc", "inline flags")]
    [InlineData(@"\p{L}+", "unicode property")]
    [InlineData(@"a++", "possessive quantifier")]
    public void Compile_RefusedFeature_ThrowsNamingIt(string pattern, string feature)
    {
        var error = Assert.Throws<UnsupportedRegexException>(() => Qwen.Compiler.Compile(GrammarSpec.Regex(pattern)));

        Assert.Equal(feature, error.Feature);
        Assert.Contains(feature, error.Message);
    }
}

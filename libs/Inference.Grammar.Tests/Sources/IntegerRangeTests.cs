using System.Globalization;
using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Sources;

public sealed class IntegerRangeTests
{
    [Theory]
    [InlineData("""{"type":"integer","minimum":-37,"maximum":1205}""", -37L, 1205L)]
    [InlineData("""{"type":"integer","exclusiveMinimum":9,"exclusiveMaximum":100}""", 10L, 99L)]
    [InlineData("""{"type":"integer","minimum":-1250,"maximum":-3}""", -1250L, -3L)]
    [InlineData("""{"type":"integer","minimum":0.5,"maximum":20.5}""", 1L, 20L)]
    public void BoundedInteger_AcceptsExactlyTheIntegersInRange(string schema, long min, long max)
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonSchema(schema));

        var wrong = Enumerable.Range(-3000, 6001)
            .Where(n => TextFeeder.AcceptsWhole(grammar, n.ToString(CultureInfo.InvariantCulture)) != (n >= min && n <= max))
            .ToList();

        Assert.Empty(wrong);
    }

    [Theory]
    [InlineData("""{"type":"integer","minimum":95}""", 95L, long.MaxValue)]
    [InlineData("""{"type":"integer","maximum":-12}""", long.MinValue, -12L)]
    public void HalfBoundedInteger_AcceptsExactlyTheIntegersPastTheBound(string schema, long min, long max)
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonSchema(schema));
        long[] probes = [-100000, -99999, -1000, -13, -12, -11, -1, 0, 1, 94, 95, 96, 99, 100, 999, 1000, 99999];

        var wrong = probes.Where(n => TextFeeder.AcceptsWhole(grammar, n.ToString(CultureInfo.InvariantCulture)) != (n >= min && n <= max)).ToList();

        Assert.Empty(wrong);
    }

    [Theory]
    [InlineData("-0")]
    [InlineData("007")]
    [InlineData("1.0")]
    public void Integer_NonCanonicalSpellings_AreRejected(string text)
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonSchema("""{"type":"integer","minimum":-5,"maximum":10}"""));

        Assert.False(TextFeeder.AcceptsWhole(grammar, text));
    }
}

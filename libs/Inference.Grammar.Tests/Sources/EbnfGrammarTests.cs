using System.Text.RegularExpressions;
using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Sources;

/// <summary>vLLM's guided_grammar: EBNF (xgrammar's and llama.cpp's GBNF) compiled to the grammar engine's rules.</summary>
public sealed partial class EbnfGrammarTests
{
    /// <summary>Arithmetic with nested parentheses: recursion a regular expression cannot express.</summary>
    private const string Arithmetic = """
        # an expression: terms joined by + or -
        root   ::= expr
        expr   ::= term (("+" | "-") term)*
        term   ::= factor ("*" factor)*
        factor ::= number | "(" expr ")"
        number ::= [1-9] [0-9]{0,2} | "0"
        """;

    [Theory]
    [InlineData("1", true)]
    [InlineData("(1+23)*4", true)]
    [InlineData("((0))-7*(8+(9))", true)]
    [InlineData("(1+2", false)]
    [InlineData("1++2", false)]
    [InlineData("01", false)]
    [InlineData("1234", false)]
    public void Arithmetic_AcceptsExactlyItsSentences(string text, bool accepted)
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.Ebnf(Arithmetic));

        Assert.Equal(accepted, TextFeeder.AcceptsWhole(grammar, text));
    }

    [Fact]
    public void Arithmetic_RandomWalks_EndOnBalancedExpressions()
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.Ebnf(Arithmetic));
        for (int seed = 0; seed < 20; seed++)
        {
            var (text, _) = new RandomWalk(grammar, seed) { SoftBudget = 4 + seed % 6 }.Run();
            Assert.Matches(ExpressionCharacters(), text);
            Assert.Equal(text.Count(c => c == '('), text.Count(c => c == ')'));
        }
    }

    [Theory]
    [InlineData("root ::= \"caf\\u00e9\" [^\\n\"]+ \"!\"", "café au lait!", true)]
    [InlineData("root ::= \"caf\\u00e9\" [^\\n\"]+ \"!\"", "café\"!", false)]
    [InlineData("root ::= item{2,3}\nitem ::= [a-c] \",\"", "a,b,", true)]
    [InlineData("root ::= item{2,3}\nitem ::= [a-c] \",\"", "a,", false)]
    [InlineData("root ::= (\"yes\"\n  | \"no\") \".\"?", "no.", true)]
    [InlineData("root ::= . .", "日x", true)]
    [InlineData("root ::= list-item+\nlist-item ::= \"- \" [a-z]+ \"\\n\"", "- a\n- bc\n", true)]
    public void Elements_Escapes_Repetitions_AndMultiLineRules(string ebnf, string text, bool accepted)
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.Ebnf(ebnf));

        Assert.Equal(accepted, TextFeeder.AcceptsWhole(grammar, text));
    }

    [Theory]
    [InlineData("start ::= \"a\"", "no rule named 'root'")]
    [InlineData("root ::= other", "rule 'other' is used but not defined")]
    [InlineData("root ::= \"a\"\nroot ::= \"b\"", "defined twice")]
    [InlineData("root ::= root \"a\" | \"a\"", "left-recursive")]
    [InlineData("root ::= \"a\" )", "expected")]
    [InlineData("root ::= \"a", "closing '\"'")]
    [InlineData("root ::= [z-a]", "backwards")]
    [InlineData("root ::= \"a\"{3,1}", "out of range")]
    [InlineData("root = \"a\"", "'::='")]
    public void MalformedGrammars_AreRefusedSayingWhy(string ebnf, string message)
    {
        var error = Assert.Throws<GrammarException>(() => Qwen.Compiler.Compile(GrammarSpec.Ebnf(ebnf)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^[0-9+\-*()]+$")]
    private static partial Regex ExpressionCharacters();
}

using Inference.Abstractions.Generation;

namespace Inference.Grammar.Tests.Validation;

/// <summary>The vocabulary-free check the API front ends run before a request reaches a worker.</summary>
public sealed class ValidateTests
{
    [Fact]
    public void Validate_UnsupportedSchemaKeyword_ThrowsNamingTheKeyword()
    {
        var error = Assert.Throws<UnsupportedSchemaException>(() =>
            GrammarCompiler.Validate(GrammarSpec.JsonSchema("""{"type":"object","properties":{"a":{"type":"string","contentEncoding":"base64"}}}""")));

        Assert.Equal("contentEncoding", error.Keyword);
    }

    [Fact]
    public void Validate_SupportedSchema_DoesNotThrow()
    {
        GrammarCompiler.Validate(GrammarSpec.JsonSchema("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}"""));
    }

    [Fact]
    public void ValidateStructuredOutput_UnsupportedRegex_IsAValidationErrorForTheField()
    {
        var error = Assert.Throws<GenerationValidationException>(() =>
            StructuredOutputSpecs.Validate(new StructuredOutput.Regex("a(?!b)"), "guided_regex"));

        Assert.Equal("guided_regex", error.Field);
        Assert.Contains("lookahead", error.Message);
    }
}

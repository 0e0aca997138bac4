using Inference.Abstractions.Generation;

namespace Inference.Grammar.Tests.Validation;

/// <summary>A structural tag the engine cannot serve is refused without a vocabulary, naming the part that is wrong.</summary>
public sealed class StructuralTagValidationTests
{
    private const string Schema = """{"type":"object","properties":{"a":{"type":"integer"}}}""";

    public static TheoryData<string[], string[], string> Malformed => new()
    {
        { [], ["<f>"], "triggers must list at least one trigger" },
        { ["<f"], [], "structures must list at least one structure" },
        { ["<f", ""], ["<f>"], "triggers[1] is empty" },
        { ["<f", "<f"], ["<f>"], "triggers[1] \"<f\" repeats triggers[0]" },
        { ["<fu", "<f"], ["<fun>"], "triggers[1] \"<f\" is a prefix of triggers[0] \"<fu\"" },
        { ["<f"], ["<f>", ""], "structures[1].begin is empty" },
        { ["<f"], ["<f>", "[g]"], "structures[1].begin \"[g]\" does not start with any of the triggers" },
        { ["<f", "[g"], ["<f>"], "triggers[1] \"[g\" starts no structure's begin" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Validate_MalformedTriggersOrBegins_ThrowsNamingThem(string[] triggers, string[] begins, string message)
    {
        var error = Assert.Throws<GrammarException>(() =>
            GrammarCompiler.Validate(GrammarSpec.StructuralTag(triggers, begins.Select(b => (b, Schema, "</f>")))));

        Assert.Equal(message, error.Message.Split(';')[0]);
    }

    [Fact]
    public void Validate_ASchemaThatIsNotJson_ThrowsNamingTheStructure()
    {
        var error = Assert.Throws<GrammarException>(() =>
            GrammarSpec.StructuralTag(["<f"], [("<f>", Schema, ""), ("<f2>", "{\"type\":", "")]));

        Assert.StartsWith("structures[1].schema is not valid JSON", error.Message);
    }

    [Fact]
    public void Validate_AnUnsupportedSchemaKeyword_ThrowsNamingTheStructureAndTheKeyword()
    {
        var error = Assert.Throws<GrammarException>(() => GrammarCompiler.Validate(
            GrammarSpec.StructuralTag(["<f"], [("<f>", Schema, ""), ("<f2>", """{"type":"integer","multipleOf":2}""", "")])));

        Assert.StartsWith("structures[1].schema: JSON schema keyword 'multipleOf'", error.Message);
    }

    [Fact]
    public void ValidateStructuredOutput_AMalformedStructuralTag_IsAValidationErrorForTheField()
    {
        var output = new StructuredOutput.StructuralTag(["<f"], [new StructuredOutput.TagStructure("[f]", Schema, "")]);

        var error = Assert.Throws<GenerationValidationException>(() => StructuredOutputSpecs.Validate(output, "structural_tag"));

        Assert.Equal("structural_tag", error.Field);
        Assert.Equal("structural_tag: structures[0].begin \"[f]\" does not start with any of the triggers", error.Message);
    }

    [Fact]
    public void CacheKey_IgnoresSchemaFormatting_AndTellsStructuresApart()
    {
        var compact = GrammarSpec.StructuralTag(["<f"], [("<f>", """{"type":"integer"}""", "</f>")]);
        var spaced = GrammarSpec.StructuralTag(["<f"], [("<f>", """{ "type": "integer" }""", "</f>")]);
        var otherEnd = GrammarSpec.StructuralTag(["<f"], [("<f>", """{"type":"integer"}""", "</g>")]);

        Assert.Equal(compact.CacheKey, spaced.CacheKey);
        Assert.NotEqual(compact.CacheKey, otherEnd.CacheKey);
    }
}

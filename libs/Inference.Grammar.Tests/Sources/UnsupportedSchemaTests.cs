using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Sources;

public sealed class UnsupportedSchemaTests
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"not":{"type":"null"}}}}""", "not", "/properties/a")]
    [InlineData("""{"type":"object","patternProperties":{"^x":{}}}""", "patternProperties", "")]
    [InlineData("""{"type":"object","minProperties":1}""", "minProperties", "")]
    [InlineData("""{"type":"array","items":{"type":"integer"},"uniqueItems":true}""", "uniqueItems", "")]
    [InlineData("""{"type":"array","contains":{"type":"integer"}}""", "contains", "")]
    [InlineData("""{"type":"integer","multipleOf":2}""", "multipleOf", "")]
    [InlineData("""{"type":"number","minimum":0}""", "minimum", "")]
    [InlineData("""{"type":"string","format":"hostname"}""", "format", "")]
    [InlineData("""{"type":"string","pattern":"(?=a)a"}""", "pattern", "")]
    [InlineData("""{"type":"string","pattern":"a+","minLength":2}""", "minLength", "")]
    [InlineData("""{"if":{"type":"string"},"then":{"minLength":1}}""", "if", "")]
    [InlineData("""{"allOf":[{"type":"string"},{"minLength":1}]}""", "allOf", "")]
    [InlineData("""{"$ref":"https://example.com/schema.json"}""", "$ref", "")]
    [InlineData("""{"type":"object","properties":{"x":{"$ref":"#/$defs/missing"}}}""", "$ref", "/properties/x")]
    [InlineData("""{"anyOf":[{"type":"string"}],"properties":{"a":{}}}""", "properties", "")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"}},"required":["b"]}""", "required", "")]
    [InlineData("""{"type":"string","maxLength":100000}""", "maxLength", "")]
    [InlineData("""{"type":"object","properties":{"p/q":{"type":"string","dependentRequired":{}}}}""", "dependentRequired", "/properties/p~1q")]
    [InlineData("""{"type":"object","unevaluatedProperties":false}""", "unevaluatedProperties", "")]
    [InlineData("""{"type":"widget"}""", "type", "")]
    public void Compile_UnsupportedKeyword_ThrowsNamingTheKeywordAndPath(string schema, string keyword, string path)
    {
        var error = Assert.Throws<UnsupportedSchemaException>(() => Qwen.Compiler.Compile(GrammarSpec.JsonSchema(schema)));

        Assert.Equal(keyword, error.Keyword);
        Assert.Equal(path, error.Path);
        Assert.Contains($"'{keyword}'", error.Message);
    }

    [Fact]
    public void Compile_LeftRecursiveReference_IsRefused()
    {
        const string schema = """{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}},"$ref":"#/$defs/a"}""";

        Assert.Throws<GrammarException>(() => Qwen.Compiler.Compile(GrammarSpec.JsonSchema(schema)));
    }

    [Fact]
    public void Compile_SchemaThatIsNotJson_IsRefused()
    {
        Assert.Throws<GrammarException>(() => GrammarSpec.JsonSchema("{\"type\":"));
    }
}

using Inference.Grammar.Tests.Support;

namespace Inference.Grammar.Tests.Sources;

public sealed class JsonSchemaGenerationTests
{
    public static TheoryData<string, string> Schemas => new()
    {
        { "flat object with required fields", """
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"ok":{"type":"boolean"}},"required":["name","age"]}
            """ },
        { "nested objects", """
            {"type":"object","properties":{"user":{"type":"object","properties":{"id":{"type":"integer"},"tags":{"type":"array","items":{"type":"string","maxLength":8}}},"required":["id","tags"]},"note":{"type":["string","null"]}},"required":["user"]}
            """ },
        { "arrays with bounds", """
            {"type":"array","items":{"type":"number"},"minItems":2,"maxItems":4}
            """ },
        { "enums and consts", """
            {"type":"object","properties":{"color":{"enum":["red","green","blue",3,null]},"kind":{"const":"fixed"},"level":{"type":"string","enum":["low","high"]}},"required":["color","kind","level"]}
            """ },
        { "numbers and integer ranges", """
            {"type":"object","properties":{"score":{"type":"number"},"percent":{"type":"integer","minimum":0,"maximum":100},"delta":{"type":"integer","minimum":-40,"exclusiveMaximum":7},"big":{"type":"integer","minimum":1234}},"required":["score","percent","delta","big"]}
            """ },
        { "recursive $ref", """
            {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["value"]}},"$ref":"#/$defs/node"}
            """ },
        { "anyOf and definitions", """
            {"definitions":{"cat":{"type":"object","properties":{"meow":{"type":"boolean"}},"required":["meow"]},"dog":{"type":"object","properties":{"bark":{"type":"string","minLength":1,"maxLength":3}},"required":["bark"]}},"type":"object","properties":{"pet":{"anyOf":[{"$ref":"#/definitions/cat"},{"$ref":"#/definitions/dog"}]},"pets":{"type":"array","items":{"oneOf":[{"$ref":"#/definitions/cat"},{"type":"null"}]}}},"required":["pet"]}
            """ },
        { "all optional properties", """
            {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}}}
            """ },
        { "patterns and formats", """
            {"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]{2}-\\d{3}$"},"when":{"type":"string","format":"date"},"id":{"type":"string","format":"uuid"},"mail":{"type":"string","format":"email"},"at":{"type":"string","format":"date-time"}},"required":["code","when","id","mail","at"]}
            """ },
        { "prefixItems tuple", """
            {"type":"array","prefixItems":[{"type":"string"},{"type":"integer"},{"type":"boolean"}],"minItems":2}
            """ },
        { "additionalProperties schema", """
            {"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":{"type":"integer"}}
            """ },
    };

    [Theory]
    [MemberData(nameof(Schemas))]
    public void RandomWalks_OverAllowedTokens_ProduceJsonValidAgainstTheSchema(string name, string schema)
    {
        var grammar = Qwen.Compiler.Compile(GrammarSpec.JsonSchema(schema));
        for (int seed = 0; seed < 12; seed++)
        {
            var (text, _) = new RandomWalk(grammar, seed) { SoftBudget = 10 + 10 * (seed % 4) }.Run();
            Assert.True(SchemaValidator.Validate(text, schema) is null,
                $"{name}, seed {seed}: {SchemaValidator.Validate(text, schema)} in {text}");
        }
    }
}

using Tokenizer.Core.Templating;

namespace Tokenizer.Tests;

public sealed class JinjaTemplateTests
{
    private static string Render(string template, params (string Name, object? Value)[] variables) =>
        JinjaTemplate.Parse(template).Render(variables.Select(v => new KeyValuePair<string, object?>(v.Name, v.Value)));

    [Fact]
    public void Render_TrimAndLstripBlocks_DropTagLinesLikeTransformers()
    {
        Assert.Equal("a\nb\n", Render("a\n  {% if true %}\nb\n  {% endif %}\n"));
    }

    [Fact]
    public void Render_DashModifiers_StripAllWhitespaceOnThatSide()
    {
        Assert.Equal("ab", Render("a  \n {{- 'b' -}} \n\n"));
    }

    [Fact]
    public void Render_RaiseException_BecomesTemplateExceptionWithMessage()
    {
        var error = Assert.Throws<TemplateException>(() => Render("{{ raise_exception('Conversation roles must alternate') }}"));
        Assert.Equal("Conversation roles must alternate", error.Message);
    }

    [Fact]
    public void Render_ReverseSliceAndLoopVariables_FollowPython()
    {
        Assert.Equal("0:c:F 1:b:F 2:a:T ", Render("{% for x in items[::-1] %}{{ loop.index0 }}:{{ x }}:{{ 'T' if loop.last else 'F' }} {% endfor %}",
            ("items", new List<object?> { "a", "b", "c" })));
    }

    [Fact]
    public void Render_NamespaceSurvivesLoopScopeButPlainSetDoesNot()
    {
        Assert.Equal("3 0", Render("{% set ns = namespace(n=0) %}{% set m = 0 %}{% for i in range(3) %}{% set ns.n = ns.n + 1 %}{% set m = m + 1 %}{% endfor %}{{ ns.n }} {{ m }}"));
    }

    [Fact]
    public void Render_ToJson_MatchesPythonJsonDumps()
    {
        Assert.Equal("{\"a\": 1.0, \"b\": [1e-05, \"é\\n\"], \"c\": null}", Render("{{ {'a': 1.0, 'b': [0.00001, 'é\\n'], 'c': none} | tojson }}"));
    }

    [Fact]
    public void Render_AttributeOfUndefined_IsAnError()
    {
        var error = Assert.Throws<TemplateException>(() => Render("{{ missing.field }}"));
        Assert.Contains("'missing' is undefined", error.Message);
    }

    [Fact]
    public void Render_MissingKeyTestsAndStringMethods_FollowJinja()
    {
        var message = new OrderedDictionary<string, object?> { ["content"] = "<think>r</think>\n\nanswer" };
        Assert.Equal("False|answer|r", Render(
            "{{ message.reasoning is defined }}|{{ message.content.split('</think>')[-1].lstrip('\\n') }}|{{ message.content.split('</think>')[0].split('<think>')[-1] }}",
            ("message", message)));
    }

    [Fact]
    public void Render_MacroWithDefaults_ReturnsItsOutput()
    {
        Assert.Equal("<x=1,y=2>", Render("{% macro p(x, y=2) %}<x={{ x }},y={{ y }}>{% endmacro %}{{ p(1) }}"));
    }

    [Fact]
    public void Parse_UnclosedBlock_ReportsMissingEnd()
    {
        var error = Assert.Throws<TemplateException>(() => JinjaTemplate.Parse("{% if x %}never closed"));
        Assert.Contains("endif", error.Message);
    }
}

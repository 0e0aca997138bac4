using Inference.Abstractions.Text;
using Tokenizer.Core;
using Tokenizer.Core.Templating;

namespace Tokenizer.Tests;

/// <summary>
/// The API's messages become the template's conversation as vLLM builds it: text parts joined (or listed, for templates
/// that loop over content), null content empty, tool-call arguments sent as JSON strings parsed into objects, developer
/// messages system ones where the template has no such role; parts a text-only model cannot take are refused by name.
/// Each API form renders exactly as its template form does.
/// </summary>
public sealed class ChatConversationTests
{
    [Theory]
    [MemberData(nameof(Fixtures.ChatModels), MemberType = typeof(Fixtures))]
    public void Render_TextParts_RenderAsTheirTextsJoinedByNewlines(string model)
    {
        var renderer = RendererFor(model);

        var parts = renderer.Render(Input("""
            [{"role":"system","content":[{"type":"text","text":"Be brief."}]},
             {"role":"user","content":[{"type":"text","text":"Hi"},{"type":"input_text","text":"there"},{"type":"text","text":null}]}]
            """));

        Assert.Equal(renderer.RenderAsSent(Input("""[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi\nthere"}]""")), parts);
        Assert.Contains("<|im_start|>user\nHi\nthere<|im_end|>", parts);
    }

    [Theory]
    [MemberData(nameof(Fixtures.ChatModels), MemberType = typeof(Fixtures))]
    public void Render_ToolRoundTripInTheApiForm_RendersAsTheTemplateFormDoes(string model)
    {
        var renderer = RendererFor(model);

        // What an OpenAI client sends back: the assistant's content null, its call's arguments a JSON string, the tool's answer as parts.
        var api = renderer.Render(Input("""
            [{"role":"user","content":"Weather in Paris?"},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\": \"Paris\", \"days\": 2}"}}]},
             {"role":"tool","tool_call_id":"call_1","content":[{"type":"text","text":"sunny"}]}]
            """));

        Assert.Equal(renderer.RenderAsSent(Input("""
            [{"role":"user","content":"Weather in Paris?"},
             {"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":{"location":"Paris","days":2}}}]},
             {"role":"tool","tool_call_id":"call_1","content":"sunny"}]
            """)), api);
        Assert.Contains("""{"name": "get_weather", "arguments": {"location": "Paris", "days": 2}}""", api);
    }

    [Theory]
    [MemberData(nameof(Fixtures.ChatModels), MemberType = typeof(Fixtures))]
    public void Render_DeveloperMessage_IsTheSystemMessageForATemplateWithoutThatRole(string model)
    {
        var renderer = RendererFor(model);

        var developer = renderer.Render(Input("""[{"role":"developer","content":"Answer in rhymes."},{"role":"user","content":"Hi"}]"""));

        Assert.Equal(renderer.RenderAsSent(Input("""[{"role":"system","content":"Answer in rhymes."},{"role":"user","content":"Hi"}]""")), developer);
        Assert.Contains("Answer in rhymes.", developer);
    }

    [Fact]
    public void Render_DeveloperMessage_StaysDeveloperForATemplateThatNamesIt()
    {
        var rendered = RenderWith(
            "{% for m in messages %}{% if m.role == 'developer' %}D:{% endif %}{{ m.role }}={{ m.content }};{% endfor %}",
            """[{"role":"developer","content":"x"},{"role":"user","content":"y"}]""");

        Assert.Equal("D:developer=x;user=y;", rendered);
    }

    [Fact]
    public void Render_AssistantReasoningUnderVllmsNewerName_IsWhatQwen3ReadsAsReasoningContent()
    {
        var renderer = RendererFor("qwen3");

        var api = renderer.Render(Input("""[{"role":"user","content":"Q"},{"role":"assistant","content":"A","reasoning":"because\n"},{"role":"user","content":"Q2"},{"role":"assistant","content":"B","reasoning":"then"}]"""));

        Assert.Equal(renderer.RenderAsSent(Input("""[{"role":"user","content":"Q"},{"role":"assistant","content":"A","reasoning_content":"because\n"},{"role":"user","content":"Q2"},{"role":"assistant","content":"B","reasoning_content":"then"}]""")), api);
        Assert.Contains("<think>\nthen\n</think>", api);
    }

    [Fact]
    public void Render_EmptyArgumentsString_IsAnEmptyObject()
    {
        var renderer = RendererFor("qwen2.5");

        var api = renderer.Render(Input("""[{"role":"user","content":"Now?"},{"role":"assistant","content":null,"tool_calls":[{"type":"function","function":{"name":"now","arguments":""}}]}]"""));

        Assert.Contains("""{"name": "now", "arguments": {}}""", api);
    }

    [Theory]
    [InlineData("""[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]""", "messages[0].content[1] is a part of type image_url")]
    [InlineData("""[{"role":"user","content":[{"type":"hologram","text":"x"}]}]""", "messages[0].content[0].type 'hologram'")]
    [InlineData("""[{"role":"user","content":[{"text":"no type"}]}]""", "messages[0].content[0] must be a string or an object with a string type")]
    [InlineData("""[{"role":"user","content":[{"type":"text","text":7}]}]""", "messages[0].content[0].text must be a string")]
    [InlineData("""[{"role":"user","content":5}]""", "messages[0].content must be a string, an array of content parts or null")]
    [InlineData("""["hello"]""", "messages[0] must be an object")]
    [InlineData("""[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{not json"}}]}]""", "messages[1].tool_calls[0].function.arguments must be JSON")]
    public void Render_MessagesTheTemplateCannotTake_AreRefusedByName(string messages, string expected)
    {
        var error = Assert.Throws<ChatTemplateException>(() => RendererFor("qwen2.5").Render(Input(messages)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ContentFormat_QwenTemplates_ReadContentAsAString()
    {
        Assert.Equal(ChatContentFormat.String, RendererFor("qwen2.5").ContentFormat);
        Assert.Equal(ChatContentFormat.String, RendererFor("qwen3").ContentFormat);
    }

    [Theory]
    [InlineData("{% for message in messages %}{% for part in message['content'] %}[{{ part.type }}:{{ part.text }}]{% endfor %}{% endfor %}")]
    [InlineData("{% set turns = messages[1:] %}{% for m in turns %}{% for part in m.content | list %}[{{ part.type }}:{{ part.text }}]{% endfor %}{% endfor %}")]
    public void Render_TemplateThatLoopsOverContent_GetsTypedTextParts(string template)
    {
        var renderer = new ChatTemplateRenderer(template, null, null);
        var messages = template.Contains("messages[1:]")
            ? """[{"role":"system","content":"skipped"},{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"b"},{"type":"refusal","refusal":"c"}]}]"""
            : """[{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"b"},{"type":"refusal","refusal":"c"}]}]""";

        Assert.Equal(ChatContentFormat.OpenAi, renderer.ContentFormat);
        Assert.Equal("[text:a][text:b][text:c]", renderer.Render(Input(messages)));
    }

    [Theory]
    [MemberData(nameof(Fixtures.ChatModels), MemberType = typeof(Fixtures))]
    public void Render_ARoleTheTemplateLeavesOut_IsRefusedNamingIt(string model)
    {
        var renderer = RendererFor(model);

        foreach (var role in new[] { "function", "robot" })
        {
            var error = Assert.Throws<ChatTemplateException>(() => renderer.Render(Input(
                $$"""[{"role":"user","content":"Hi"},{"role":"{{role}}","content":"sunny"}]""")));

            Assert.StartsWith($"messages[1].role is '{role}'", error.Message);
        }
        Assert.Contains("sunny", renderer.Render(Input("""[{"role":"user","content":"Hi"},{"role":"tool","content":"sunny"}]""")));
        Assert.Contains("Be brief", renderer.Render(Input("""[{"role":"user","content":"Hi"},{"role":"system","content":"Be brief"}]""")));
    }

    [Fact]
    public void Render_ATemplateThatPrintsEveryRole_TakesAnyRole()
    {
        var rendered = RenderWith(
            "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}",
            """[{"role":"user","content":"Hi"},{"role":"robot","content":"beep"}]""");

        Assert.Equal("<user>Hi<robot>beep", rendered);
    }

    [Fact]
    public void Render_ATemplateThatRaisesOnARole_ReportsItsOwnError()
    {
        var error = Assert.Throws<ChatTemplateException>(() => RenderWith(
            "{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}{{ raise_exception('only user and assistant') }}{% endif %}{{ m.content }}{% endfor %}",
            """[{"role":"system","content":"x"}]"""));

        Assert.Contains("only user and assistant", error.Message);
    }

    private static ChatTemplateRenderer RendererFor(string model) =>
        ChatTemplateRenderer.TryCreate(Fixtures.ForChatModel(model))!;

    /// <summary>The messages through a template written for the test (no BOS or EOS token).</summary>
    private static string RenderWith(string template, string messages) =>
        new ChatTemplateRenderer(template, null, null).Render(Input(messages));

    private static ChatTemplateInput Input(string messages) => new(messages, null, AddGenerationPrompt: true, null);
}

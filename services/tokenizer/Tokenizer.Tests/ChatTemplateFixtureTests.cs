using System.Text.Json;
using Inference.Abstractions.Text;
using Tokenizer.Core;
using Tokenizer.Core.Templating;

namespace Tokenizer.Tests;

/// <summary>fixtures/chat-templates: 21 cases per model rendered by Python Jinja2 3.1.6 as transformers configures it
/// (apply_chat_template: the messages as sent, so one case's arguments string is quoted again, as transformers does).</summary>
public sealed class ChatTemplateFixtureTests
{
    [Theory]
    [MemberData(nameof(Fixtures.ChatModels), MemberType = typeof(Fixtures))]
    public void Render_EveryFixtureCase_IsByteIdenticalToJinja2(string model)
    {
        QwenTokenizer tokenizer = Fixtures.ForChatModel(model);
        ChatTemplateRenderer renderer = ChatTemplateRenderer.TryCreate(tokenizer)!;
        using JsonDocument fixture = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Fixtures.Root, "fixtures", "chat-templates", model + ".json")));
        var failures = new List<string>();
        int count = 0;
        foreach (JsonElement testCase in fixture.RootElement.GetProperty("cases").EnumerateArray())
        {
            count++;
            JsonElement tools = testCase.GetProperty("tools");
            string? kwargs = testCase.TryGetProperty("enable_thinking", out JsonElement thinking)
                ? $"{{\"enable_thinking\": {thinking.GetRawText()}}}"
                : null;
            var input = new ChatTemplateInput(
                testCase.GetProperty("messages").GetRawText(),
                tools.ValueKind == JsonValueKind.Null ? null : tools.GetRawText(),
                testCase.GetProperty("add_generation_prompt").GetBoolean(),
                kwargs);
            string expected = testCase.GetProperty("expected").GetString()!;
            string actual;
            try
            {
                actual = renderer.RenderAsSent(input);
            }
            catch (ChatTemplateException e)
            {
                failures.Add($"{testCase.GetProperty("name").GetString()}: threw {e.Message}");
                continue;
            }
            if (actual != expected)
            {
                failures.Add($"{testCase.GetProperty("name").GetString()}:\n--- expected\n{expected}\n--- actual\n{actual}");
            }
        }
        Assert.Equal(21, count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

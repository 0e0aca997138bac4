using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Integration.Tests;

/// <summary>`serve --chat-template FILE`: the tokenizer renders chats with the given template in place of the model's.</summary>
public sealed class CustomChatTemplateServedSystem() : ServedSystem("--chat-template", WriteTemplate())
{
    public const string Template = "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}";

    private static string WriteTemplate()
    {
        var path = Path.Combine(Path.GetTempPath(), $"integration-template-{Guid.NewGuid():N}.jinja");
        File.WriteAllText(path, Template);
        return path;
    }
}

public sealed class ChatTemplateFlagTests(CustomChatTemplateServedSystem system) : IClassFixture<CustomChatTemplateServedSystem>
{
    [Fact]
    public async Task ChatPrompts_AreRenderedWithTheGivenTemplate()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = TimeSpan.FromMinutes(1) };

        using var tokenized = await http.PostAsJsonAsync("/tokenize", new JsonObject
        {
            ["messages"] = JsonNode.Parse("""[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello!"}]"""),
        });
        var tokens = (await tokenized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens");
        using var detokenized = await http.PostAsJsonAsync("/detokenize", new JsonObject { ["tokens"] = JsonNode.Parse(tokens.GetRawText()) });
        var prompt = (await detokenized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prompt").GetString();

        Assert.Equal("[system] Be brief.\n[user] Hello!\n[assistant] ", prompt);
    }
}

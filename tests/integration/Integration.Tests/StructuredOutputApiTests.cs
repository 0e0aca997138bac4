using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace Integration.Tests;

/// <summary>
/// Structured output through the served system (the four services as processes): the tiny random-weight model writes
/// garbage, but under response_format json_schema or guided_choice its greedy output is valid all the same.
/// </summary>
public sealed class StructuredOutputApiTests(ServedSystem system) : IClassFixture<ServedSystem>
{
    private const int MaxTokens = 400;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A nested object, an array, an enum and integers; every property required.</summary>
    private const string Schema = """
        {"type":"object",
         "properties":{
           "name":{"type":"string","maxLength":8},
           "age":{"type":"integer","minimum":0,"maximum":150},
           "color":{"enum":["red","green","blue"]},
           "scores":{"type":"array","items":{"type":"integer","minimum":0,"maximum":9},"maxItems":3},
           "owner":{"type":"object","properties":{"id":{"type":"integer"},"active":{"type":"boolean"}},"required":["id","active"]}},
         "required":["name","age","color","scores","owner"]}
        """;

    private static readonly string[] Choices = ["alpha", "beta", "gamma"];

    /// <summary>Two functions whose arguments are bounded (enums, an integer range), so a forced call always ends.</summary>
    private static readonly ChatTool[] Tools =
    [
        ChatTool.CreateFunctionTool("get_weather", "Weather forecast", BinaryData.FromString(
            """{"type":"object","properties":{"unit":{"enum":["c","f"]},"days":{"type":"integer","minimum":1,"maximum":7}},"required":["unit","days"]}""")),
        ChatTool.CreateFunctionTool("get_time", "Current time", BinaryData.FromString(
            """{"type":"object","properties":{"zone":{"enum":["utc","local"]}},"required":["zone"]}""")),
    ];

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };

    [Fact]
    public async Task ChatCompletion_JsonSchemaWithSdk_ParsesWithTheRequiredFields()
    {
        var chat = new ChatClient(system.ModelName, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });

        ChatCompletion completion = await chat.CompleteChatAsync(
            [new UserChatMessage("Describe a person as JSON.")],
            new ChatCompletionOptions
            {
                MaxOutputTokenCount = MaxTokens,
                Temperature = 0,
                ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", BinaryData.FromString(Schema), jsonSchemaIsStrict: true),
            });

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        AssertMatchesSchema(completion.Content[0].Text);
    }

    [Fact]
    public async Task ChatCompletion_JsonSchemaStreamed_ConcatenatesToJsonWithTheRequiredFields()
    {
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = system.ModelName,
                messages = new[] { new { role = "user", content = "Describe a person as JSON." } },
                max_tokens = MaxTokens,
                temperature = 0,
                stream = true,
                response_format = new { type = "json_schema", json_schema = new { name = "person", schema = JsonDocument.Parse(Schema).RootElement, strict = true } },
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var (text, finish) = await StreamedText(response, choice => choice.GetProperty("delta"), "content");

        Assert.Equal("stop", finish);
        AssertMatchesSchema(text);
    }

    [Fact]
    public async Task Completion_GuidedChoice_ReturnsOneOfTheChoices()
    {
        using var http = Http();

        using var response = await http.PostAsJsonAsync("/v1/completions", new
        {
            model = system.ModelName,
            prompt = "Pick a letter name:",
            max_tokens = 20,
            temperature = 0,
            guided_choice = Choices,
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Contains(body.GetProperty("choices")[0].GetProperty("text").GetString(), Choices);
    }

    [Fact]
    public async Task Completion_GuidedRegexStreamed_ConcatenatesToAFullMatch()
    {
        const string pattern = "[a-z]{2,6}@[a-z]{2,6}\\.(com|org)";
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { model = system.ModelName, prompt = "An e-mail address:", max_tokens = 40, temperature = 0, stream = true, guided_regex = pattern }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var (text, finish) = await StreamedText(response, choice => choice, "text");

        Assert.Equal("stop", finish);
        Assert.Matches("^" + pattern + "$", text);
    }

    /// <summary>
    /// xgrammar's newer structural tag (response_format {type: structural_tag, format}): exactly one tagged call, one of
    /// two functions (triggered_tags with at_least_one and stop_after_first), its arguments JSON matching that
    /// function's schema, one of the function's two ends; through every service, streamed.
    /// </summary>
    [Fact]
    public async Task ChatCompletion_StructuralTagInXgrammarsNewerFormStreamed_IsOneTaggedCallMatchingItsSchema()
    {
        var format = JsonDocument.Parse("""
            {"type":"triggered_tags","at_least_one":true,"stop_after_first":true,"triggers":["<function="],"tags":[
              {"type":"tag","begin":"<function=get_weather>","end":"</function>","content":{"type":"json_schema","json_schema":
                {"type":"object","properties":{"city":{"type":"string","maxLength":8},"days":{"type":"integer","minimum":1,"maximum":7}},"required":["city","days"],"additionalProperties":false}}},
              {"type":"tag","begin":"<function=get_time>","end":["</function>","</fn>"],"content":{"type":"json_schema","json_schema":
                {"type":"object","properties":{"zone":{"enum":["UTC","CET"]}},"required":["zone"],"additionalProperties":false}}}]}
            """).RootElement;
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = system.ModelName,
                messages = new[] { new { role = "user", content = "What is the weather in Oslo?" } },
                max_tokens = MaxTokens,
                temperature = 0,
                stream = true,
                response_format = new { type = "structural_tag", format },
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var (text, finish) = await StreamedText(response, choice => choice.GetProperty("delta"), "content");

        Assert.Equal("stop", finish);
        var call = System.Text.RegularExpressions.Regex.Match(text, "^<function=(get_weather|get_time)>(.*)(</function>|</fn>)$", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(call.Success, text);
        using var arguments = JsonDocument.Parse(call.Groups[2].Value);
        if (call.Groups[1].Value == "get_weather")
        {
            Assert.Equal("</function>", call.Groups[3].Value);
            Assert.True(arguments.RootElement.GetProperty("city").GetString()!.Length <= 8);
            Assert.InRange(arguments.RootElement.GetProperty("days").GetInt32(), 1, 7);
        }
        else
        {
            Assert.Contains(arguments.RootElement.GetProperty("zone").GetString(), new[] { "UTC", "CET" });
        }
    }

    [Fact]
    public async Task Completion_UnsupportedSchemaKeyword_Is400NamingIt()
    {
        using var http = Http();

        using var response = await http.PostAsJsonAsync("/v1/completions", new
        {
            model = system.ModelName,
            prompt = "x",
            guided_json = new Dictionary<string, object> { ["type"] = "string", ["contentEncoding"] = "base64" },
        });
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("guided_json", error.GetProperty("param").GetString());
        Assert.Contains("contentEncoding", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ChatCompletion_NamedToolChoiceWithSdk_CallsThatFunctionWithValidArguments()
    {
        var chat = new ChatClient(system.ModelName, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });
        var options = new ChatCompletionOptions { MaxOutputTokenCount = MaxTokens, Temperature = 0, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_time") };
        foreach (var tool in Tools) options.Tools.Add(tool);

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("What time is it?")], options);

        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_time", call.FunctionName);
        AssertValidArguments(call.FunctionName, call.FunctionArguments.ToString());
    }

    [Fact]
    public async Task ChatCompletion_RequiredToolChoiceStreamedWithSdk_AssemblesOneValidCall()
    {
        var chat = new ChatClient(system.ModelName, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });
        var options = new ChatCompletionOptions
        {
            MaxOutputTokenCount = MaxTokens, Temperature = 0, ToolChoice = ChatToolChoice.CreateRequiredChoice(), AllowParallelToolCalls = false,
        };
        foreach (var tool in Tools) options.Tools.Add(tool);

        string? name = null;
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Weather or time?")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                Assert.Equal(0, call.Index);
                name ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.NotNull(name);
        AssertValidArguments(name, arguments.ToString());
    }

    private static void AssertValidArguments(string function, string arguments)
    {
        using var json = JsonDocument.Parse(arguments);
        var root = json.RootElement;
        if (function == "get_weather")
        {
            Assert.Contains(root.GetProperty("unit").GetString(), new[] { "c", "f" });
            Assert.InRange(root.GetProperty("days").GetInt64(), 1, 7);
        }
        else
        {
            Assert.Equal("get_time", function);
            Assert.Contains(root.GetProperty("zone").GetString(), new[] { "utc", "local" });
        }
    }

    /// <summary>A streamed answer's text (each chunk's <paramref name="field"/> of what <paramref name="holder"/> picks from its
    /// choice: a chat delta's content, a completion's text) and its finish reason.</summary>
    private static async Task<(string Text, string? Finish)> StreamedText(HttpResponseMessage response, Func<JsonElement, JsonElement> holder, string field)
    {
        var text = new StringBuilder();
        string? finish = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line["data: ".Length..];
            if (data == "[DONE]") break;
            using var chunk = JsonDocument.Parse(data);
            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (holder(choice).TryGetProperty(field, out var piece) && piece.ValueKind == JsonValueKind.String)
                    text.Append(piece.GetString());
                if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String)
                    finish = reason.GetString();
            }
        }

        return (text.ToString(), finish);
    }

    private static void AssertMatchesSchema(string text)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.True(root.GetProperty("name").GetString()!.Length <= 8);
        Assert.InRange(root.GetProperty("age").GetInt64(), 0, 150);
        Assert.Contains(root.GetProperty("color").GetString(), new[] { "red", "green", "blue" });
        var scores = root.GetProperty("scores").EnumerateArray().ToArray();
        Assert.True(scores.Length <= 3);
        Assert.All(scores, s => Assert.InRange(s.GetInt64(), 0, 9));
        var owner = root.GetProperty("owner");
        Assert.Equal(JsonValueKind.Number, owner.GetProperty("id").ValueKind);
        Assert.Contains(owner.GetProperty("active").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
    }
}

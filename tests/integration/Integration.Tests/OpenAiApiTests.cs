using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // the SDK marks its Responses client experimental

namespace Integration.Tests;

/// <summary>
/// The four services as separate processes (through `serve`), driven over real sockets by the official OpenAI .NET
/// SDK, plain HTTP and a gRPC client, and compared with offline `generate` on the same checkpoint.
/// </summary>
public sealed class OpenAiApiTests(ServedSystem system) : IClassFixture<ServedSystem>
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    private ChatClient Chat() => new(system.ModelName, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };

    [Fact]
    public async Task ChatCompletion_WithSdk_EqualsOfflineGenerate()
    {
        var offline = await OfflineAsync("--chat", "--prompt", "Hello!", "--max-tokens", "8");

        ChatCompletion completion = await Chat().CompleteChatAsync(
            [new UserChatMessage("Hello!")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });

        Assert.Equal(offline.GetProperty("text").GetString(), completion.Content.Count == 0 ? "" : completion.Content[0].Text);
        Assert.Equal(offline.GetProperty("token_ids").GetArrayLength(), completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task ChatCompletion_StreamingWithSdk_EqualsOfflineGenerate()
    {
        var offline = await OfflineAsync("--chat", "--prompt", "Tell me a story.", "--max-tokens", "12");

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Chat().CompleteChatStreamingAsync(
            [new UserChatMessage("Tell me a story.")],
            new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0 }))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
        }

        Assert.Equal(offline.GetProperty("text").GetString(), text.ToString());
        Assert.NotNull(finish);
    }

    [Fact]
    public async Task Response_WithSdk_WholeStreamedAndChained_EqualsOfflineGenerate()
    {
        var offline = await OfflineAsync("--chat", "--prompt", "Hello!", "--max-tokens", "8");
        var client = new ResponsesClient(new ApiKeyCredential("unused"), new ResponsesClientOptions { Endpoint = system.ApiBase });
        var options = new CreateResponseOptions(system.ModelName, [ResponseItem.CreateUserMessageItem("Hello!")]) { MaxOutputTokenCount = 8, Temperature = 0 };

        ResponseResult whole = await client.CreateResponseAsync(options);

        Assert.Equal(offline.GetProperty("text").GetString(), whole.GetOutputText());
        Assert.Equal(offline.GetProperty("token_ids").GetArrayLength(), whole.Usage.OutputTokenCount);

        options.StreamingEnabled = true;
        var streamed = new StringBuilder();
        await foreach (var update in await client.CreateResponseStreamingAsync(options))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                streamed.Append(delta.Delta);
            }
        }

        Assert.Equal(whole.GetOutputText(), streamed.ToString());

        // The stored response continues as the chat with its turn in the messages would.
        var next = new CreateResponseOptions(system.ModelName, [ResponseItem.CreateUserMessageItem("And then?")])
        {
            PreviousResponseId = whole.Id,
            MaxOutputTokenCount = 6,
            Temperature = 0,
        };
        ResponseResult chained = await client.CreateResponseAsync(next);
        ChatCompletion chat = await Chat().CompleteChatAsync(
            [new UserChatMessage("Hello!"), new AssistantChatMessage(whole.GetOutputText()), new UserChatMessage("And then?")],
            new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0 });

        Assert.Equal(chat.Content.Count == 0 ? "" : chat.Content[0].Text, chained.GetOutputText());
        Assert.Equal(chat.Usage.InputTokenCount, chained.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Completion_NonStreaming_EqualsOfflineGenerate()
    {
        var offline = await OfflineAsync("--prompt", "The quick brown fox", "--max-tokens", "10");
        using var http = Http();

        using var response = await http.PostAsJsonAsync("/v1/completions", new { model = system.ModelName, prompt = "The quick brown fox", max_tokens = 10, temperature = 0 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.Equal(offline.GetProperty("text").GetString(), body.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(offline.GetProperty("token_ids").GetArrayLength(), body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Invocations_ChatAndCompletionBodies_EqualOfflineGenerate()
    {
        var offlineChat = await OfflineAsync("--chat", "--prompt", "Hello!", "--max-tokens", "8");
        var offlineCompletion = await OfflineAsync("--prompt", "The quick brown fox", "--max-tokens", "10");
        using var http = Http();

        // SageMaker-style hosts send every request to /invocations; the body's shape picks the endpoint.
        using var chat = await http.PostAsJsonAsync("/invocations", new { messages = new[] { new { role = "user", content = "Hello!" } }, max_tokens = 8, temperature = 0 });
        using var completion = await http.PostAsJsonAsync("/invocations", new { prompt = "The quick brown fox", max_tokens = 10, temperature = 0 });

        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var chatBody = await chat.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("chat.completion", chatBody.GetProperty("object").GetString());
        Assert.Equal(offlineChat.GetProperty("text").GetString(), chatBody.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        var completionBody = await completion.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("text_completion", completionBody.GetProperty("object").GetString());
        Assert.Equal(offlineCompletion.GetProperty("text").GetString(), completionBody.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Completion_SeededNThree_ChoiceIIsTheSeedPlusIRunAlone()
    {
        using var http = Http();

        var three = await ChoiceTextsAsync(http, "/v1/completions", new { prompt = "Seeds and choices", max_tokens = 12, temperature = 1, seed = 5, n = 3 });
        var alone = new List<string>();
        foreach (var seed in new[] { 5, 6, 7 })
        {
            alone.AddRange(await ChoiceTextsAsync(http, "/v1/completions", new { prompt = "Seeds and choices", max_tokens = 12, temperature = 1, seed }));
        }

        Assert.Equal(alone, three);
        Assert.Equal(3, three.Distinct().Count());
    }

    [Fact]
    public async Task Completion_SeededBestOfThree_ReturnsTheSequenceWithTheHighestCumulativeLogprob()
    {
        using var http = Http();
        var candidates = new List<(string Text, double Logprob)>();
        foreach (var seed in new[] { 21, 22, 23 })
        {
            using var alone = await http.PostAsJsonAsync("/v1/completions", new { prompt = "Best of", max_tokens = 8, temperature = 1, seed, logprobs = 0 });
            var choice = (await alone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0];
            candidates.Add((choice.GetProperty("text").GetString()!,
                choice.GetProperty("logprobs").GetProperty("token_logprobs").EnumerateArray().Sum(l => l.GetDouble())));
        }

        var best = await ChoiceTextsAsync(http, "/v1/completions", new { prompt = "Best of", max_tokens = 8, temperature = 1, seed = 21, best_of = 3 });

        Assert.Equal(candidates.MaxBy(c => c.Logprob).Text, Assert.Single(best));
    }

    [Fact]
    public async Task ChatCompletion_SeededNTwo_IsReproducible()
    {
        using var http = Http();
        var request = new { messages = new[] { new { role = "user", content = "Pick a word." } }, max_tokens = 8, temperature = 1, seed = 11, n = 2 };

        var first = await ChoiceTextsAsync(http, "/v1/chat/completions", request);
        var second = await ChoiceTextsAsync(http, "/v1/chat/completions", request);

        Assert.Equal(2, first.Count);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Completion_LogitBiasOfOneHundred_ForcesTheToken()
    {
        const int forced = 9707;
        using var http = Http();
        using var expected = await http.PostAsJsonAsync("/detokenize", new { tokens = new[] { forced, forced, forced, forced } });
        var expectedText = (await expected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prompt").GetString();

        var texts = await ChoiceTextsAsync(http, "/v1/completions", new
        {
            prompt = "Anything at all",
            max_tokens = 4,
            temperature = 0,
            ignore_eos = true,
            logit_bias = new Dictionary<string, int> { [forced.ToString(System.Globalization.CultureInfo.InvariantCulture)] = 100 },
        });

        Assert.Equal(expectedText, Assert.Single(texts));
    }

    [Fact]
    public async Task Completion_FourPromptsTimesNTwo_EachChoiceIsItsPromptsGreedyAnswer()
    {
        using var http = Http();
        string[] prompts = ["First of four", "Second of four", "Third of four", "Fourth of four"];

        var batch = await ChoiceTextsAsync(http, "/v1/completions", new { prompt = prompts, n = 2, max_tokens = 6, temperature = 0 });
        var alone = new List<string>();
        foreach (var prompt in prompts)
        {
            alone.AddRange(await ChoiceTextsAsync(http, "/v1/completions", new { prompt, max_tokens = 6, temperature = 0 }));
        }

        Assert.Equal(alone.SelectMany(text => new[] { text, text }), batch);
    }

    [Fact]
    public async Task Completion_BadWords_TheGreedyFirstWordIsNotGeneratedAgain()
    {
        using var http = Http();
        var request = new Dictionary<string, object> { ["prompt"] = "The weather today is", ["max_tokens"] = 1, ["temperature"] = 0, ["logprobs"] = 0 };
        using var first = await http.PostAsJsonAsync("/v1/completions", request);
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>();
        var word = firstBody.GetProperty("choices")[0].GetProperty("text").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(word), $"the greedy first token's text is a word: \"{word}\"");

        request["bad_words"] = new[] { word };
        request["max_tokens"] = 8;
        request["ignore_eos"] = true;
        var texts = await ChoiceTextsAsync(http, "/v1/completions", request);

        Assert.DoesNotContain(word.Trim(), Assert.Single(texts));
    }

    [Fact]
    public async Task ChatCompletion_ContinueFinalMessage_EqualsACompletionOfThePromptCutAfterThatMessage()
    {
        using var http = Http();
        var messages = new object[] { new { role = "user", content = "Count to five." }, new { role = "assistant", content = "One, two," } };
        using var tokenized = await http.PostAsJsonAsync("/tokenize", new { messages, continue_final_message = true, add_generation_prompt = false });
        var promptIds = (await tokenized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        using var detokenized = await http.PostAsJsonAsync("/detokenize", new { tokens = promptIds });
        Assert.EndsWith("<|im_start|>assistant\nOne, two,", (await detokenized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prompt").GetString());

        var continued = await ChoiceTextsAsync(http, "/v1/chat/completions",
            new { messages, continue_final_message = true, max_tokens = 6, temperature = 0, ignore_eos = true });
        var completed = await ChoiceTextsAsync(http, "/v1/completions", new { prompt = promptIds, max_tokens = 6, temperature = 0, ignore_eos = true });

        Assert.Equal(completed, continued);
    }

    [Fact]
    public async Task ChatCompletion_SdkToolRoundTripWithTextParts_AnswersAsThePromptInTheTemplatesOwnForm()
    {
        // What the SDK sends back after a tool call: the user's text as parts, the assistant's call with content null and
        // its arguments a JSON string, the tool's answer. The template is written for one string of content and an
        // arguments object, the form tokenized here.
        var tool = ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(
            """{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}"""));
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0, Tools = { tool } };
        ChatMessage[] conversation =
        [
            new UserChatMessage(ChatMessageContentPart.CreateTextPart("Weather in"), ChatMessageContentPart.CreateTextPart("Paris?")),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"location": "Paris"}"""))]),
            new ToolChatMessage("call_1", "sunny"),
        ];
        ChatCompletion answer = await Chat().CompleteChatAsync(conversation, options);

        using var http = Http();
        using var tokenized = await http.PostAsJsonAsync("/tokenize", new
        {
            messages = new object[]
            {
                new { role = "user", content = "Weather in\nParis?" },
                new { role = "assistant", content = "", tool_calls = new[] { new { id = "call_1", type = "function", function = new { name = "get_weather", arguments = new { location = "Paris" } } } } },
                new { role = "tool", tool_call_id = "call_1", content = "sunny" },
            },
            tools = new[] { new { type = "function", function = new { name = "get_weather", description = "Current weather", parameters = JsonDocument.Parse(
                """{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}""").RootElement } } },
        });
        var promptIds = (await tokenized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        using var detokenized = await http.PostAsJsonAsync("/detokenize", new { tokens = promptIds });
        Assert.Contains("""{"name": "get_weather", "arguments": {"location": "Paris"}}""", (await detokenized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prompt").GetString());
        var completed = await ChoiceTextsAsync(http, "/v1/completions", new { prompt = promptIds, max_tokens = 6, temperature = 0 });

        Assert.Equal(promptIds.Length, answer.Usage.InputTokenCount);
        Assert.Equal(Assert.Single(completed), answer.Content.Count == 0 ? "" : answer.Content[0].Text);
    }

    private async Task<List<string>> ChoiceTextsAsync(HttpClient http, string path, object request)
    {
        using var response = await http.PostAsJsonAsync(path, request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return [.. body.GetProperty("choices").EnumerateArray()
            .OrderBy(c => c.GetProperty("index").GetInt32())
            .Select(c => c.TryGetProperty("text", out var text) ? text.GetString()! : c.GetProperty("message").GetProperty("content").GetString()!)];
    }

    [Fact]
    public async Task Completion_Streaming_ConcatenatesToOfflineText()
    {
        var offline = await OfflineAsync("--prompt", "Once upon a time", "--max-tokens", "10");
        using var http = Http();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { model = system.ModelName, prompt = "Once upon a time", max_tokens = 10, temperature = 0, stream = true, stream_options = new { include_usage = true } }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var text = new StringBuilder();
        var sawDone = false;
        int? completionTokens = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line["data: ".Length..];
            if (data == "[DONE]") { sawDone = true; break; }
            using var chunk = JsonDocument.Parse(data);
            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
                text.Append(choice.GetProperty("text").GetString());
            if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
        }

        Assert.True(sawDone);
        Assert.Equal(offline.GetProperty("text").GetString(), text.ToString());
        Assert.Equal(offline.GetProperty("token_ids").GetArrayLength(), completionTokens);
    }

    [Fact]
    public async Task Completion_GreedyWithAJsonSchema_EqualsOfflineGenerateWithTheSameConstraint()
    {
        const string schema = """{"type":"object","properties":{"id":{"type":"integer","minimum":0,"maximum":999},"tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":3}},"required":["id","tags"]}""";
        var offline = await OfflineAsync("--prompt", "Record:", "--max-tokens", "200", "--json-schema", schema);
        using var http = Http();

        var texts = await ChoiceTextsAsync(http, "/v1/completions", new
        {
            prompt = "Record:",
            max_tokens = 200,
            temperature = 0,
            response_format = new { type = "json_schema", json_schema = new { name = "record", schema = JsonDocument.Parse(schema).RootElement } },
        });

        Assert.Equal(offline.GetProperty("text").GetString(), Assert.Single(texts));
        using var record = JsonDocument.Parse(texts[0]);
        Assert.Equal(JsonValueKind.Number, record.RootElement.GetProperty("id").ValueKind);
    }

    [Fact]
    public async Task GrpcGenerate_ThroughFrontDoor_NTwoWithAJsonSchema_GivesTwoValidObjects()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.GrpcPort}");
        var client = new Generation.GenerationClient(channel);
        var request = new GenerateRequest
        {
            Text = "A person as JSON:",
            N = 2,
            Sampling = new Inference.Contracts.Common.V1.SamplingParams
            {
                Temperature = 1,
                Seed = 9,
                StructuredOutput = new Inference.Contracts.Common.V1.StructuredOutput
                {
                    JsonSchema = new Inference.Contracts.Common.V1.StructuredOutput.Types.JsonSchema
                    {
                        Schema = """{"type":"object","properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer","minimum":0,"maximum":120}},"required":["name","age"]}""",
                        Strict = true,
                    },
                },
            },
            Stopping = new StoppingParams { MaxTokens = 60 },
        };

        var texts = new string[2];
        var finishes = new FinishReason[2];
        using var call = client.Generate(request, deadline: DateTime.UtcNow + RequestTimeout);
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            texts[response.Index] += response.TextDelta;
            if (response.FinishReason != FinishReason.Unspecified) finishes[response.Index] = response.FinishReason;
        }

        Assert.Equal([FinishReason.Stop, FinishReason.Stop], finishes);
        foreach (var text in texts)
        {
            using var person = JsonDocument.Parse(text);
            Assert.Equal(JsonValueKind.String, person.RootElement.GetProperty("name").ValueKind);
            Assert.InRange(person.RootElement.GetProperty("age").GetInt32(), 0, 120);
        }
    }

    [Fact]
    public async Task GrpcGenerate_ThroughFrontDoor_ReproducesGoldenGreedy()
    {
        var golden = GoldenCases.Load()[0];
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{system.GrpcPort}");
        var client = new Generation.GenerationClient(channel);
        var request = new GenerateRequest
        {
            TokenIds = new TokenIds { Ids = { golden.PromptIds } },
            Sampling = new Inference.Contracts.Common.V1.SamplingParams { Temperature = 0 },
            Stopping = new StoppingParams { MaxTokens = golden.Greedy.Length, IgnoreEos = true },
        };

        var ids = new List<int>();
        FinishReason finish = FinishReason.Unspecified;
        using var call = client.Generate(request, deadline: DateTime.UtcNow.Add(RequestTimeout));
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            ids.AddRange(call.ResponseStream.Current.Tokens.Select(t => t.TokenId));
            if (call.ResponseStream.Current.FinishReason != FinishReason.Unspecified) finish = call.ResponseStream.Current.FinishReason;
        }

        Assert.Equal(golden.Greedy, ids);
        Assert.Equal(FinishReason.Length, finish);
    }

    [Fact]
    public async Task Models_ListsTheServedModel()
    {
        using var http = Http();
        var body = await http.GetFromJsonAsync<JsonElement>("/v1/models");
        Assert.Equal(system.ModelName, body.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Models_RetrieveWithSdk_IsTheServedModelAndAnotherIdIsNotFound()
    {
        var models = new OpenAI.Models.OpenAIModelClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });

        OpenAI.Models.OpenAIModel model = await models.GetModelAsync(system.ModelName);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("Qwen/not-served"));

        Assert.Equal(system.ModelName, model.Id);
        Assert.Equal(404, missing.Status);
    }

    [Theory]
    [InlineData("{\"prompt\": \"hi\", ", HttpStatusCode.BadRequest, null)]
    [InlineData("{\"prompt\": \"\", \"max_tokens\": 4}", HttpStatusCode.BadRequest, "prompt")]
    [InlineData("{\"prompt\": \"hi\", \"max_tokens\": -1}", HttpStatusCode.BadRequest, "max_tokens")]
    [InlineData("{\"prompt\": \"hi\", \"stop\": [\"\\n\", \"\"]}", HttpStatusCode.BadRequest, "stop")]
    [InlineData("{\"model\": \"no-such-model\", \"prompt\": \"hi\"}", HttpStatusCode.NotFound, "no-such-model")]
    public async Task Completion_BadInput_GetsOpenAiErrorAndServiceStaysUp(string json, HttpStatusCode status, string? mentioned)
    {
        using var http = Http();

        using var response = await http.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var message = body.GetProperty("error").GetProperty("message").GetString();
        Assert.False(string.IsNullOrEmpty(message));
        if (mentioned is not null) Assert.Contains(mentioned, message);
        using var health = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private async Task<JsonElement> OfflineAsync(params string[] args)
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), ["generate", "--model", system.ModelDirectory, .. args]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout.Trim());
        return json.RootElement.Clone();
    }
}

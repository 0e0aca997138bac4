using Gateway.Api.Fields;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Fields;

public sealed class FieldTableTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    /// <summary>For each field the table refuses (in part), a value it refuses.</summary>
    private static readonly Dictionary<string, string> _refusedValues = new()
    {
        ["mm_processor_kwargs"] = "{}",
        ["use_beam_search"] = "true",
        ["length_penalty"] = "0.5",
        ["logits_processors"] = """["m.P"]""",
        ["response_format"] = """{"type":"yaml"}""",
        ["return_token_strs"] = "true",
        ["kv_transfer_params"] = "{}",
        ["vllm_xargs"] = """{"a":1}""",
        ["modalities"] = """["text","audio"]""",
        ["audio"] = """{"voice":"alloy","format":"wav"}""",
        ["functions"] = """[{"name":"f"}]""",
        ["function_call"] = "\"auto\"",
        ["reasoning_effort"] = "\"low\"",
        ["verbosity"] = "\"low\"",
        ["web_search_options"] = "{}",
        ["text"] = """{"verbosity":"low"}""",
        ["include"] = """["reasoning.encrypted_content"]""",
        ["reasoning"] = """{"effort":"low"}""",
        ["conversation"] = "\"conv_1\"",
        ["prompt"] = """{"id":"pmpt_1"}""",
        ["encoding_format"] = "\"bytes\"",
        ["embed_dtype"] = "\"float64\"",
        ["endianness"] = "\"middle\"",
        ["task"] = "\"token_embed\"",
        ["normalize"] = "true",
        ["messages"] = """[{"role":"user","content":"hi"}]""",
    };

    public static TheoryData<string, string> RefusedFieldsOnEachEndpoint()
    {
        var data = new TheoryData<string, string>();
        foreach (var field in ApiFieldTable.Fields.Where(f => f.Accepts is not null && _refusedValues.ContainsKey(f.Name)))
        {
            foreach (var endpoint in new[] { ApiEndpoints.Completions, ApiEndpoints.Chat, ApiEndpoints.Tokenize, ApiEndpoints.Responses, ApiEndpoints.Embeddings })
            {
                if (field.Endpoints.HasFlag(endpoint))
                {
                    data.Add(Path(endpoint), field.Name);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RefusedFieldsOnEachEndpoint))]
    public async Task RefusedValue_Returns400NamingTheField(string path, string field)
    {
        var answer = await host.Http.PostJsonAsync(path, Body(path, $"\"{field}\":{_refusedValues[field]}"));

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(field)}[ .]", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public void EveryFieldThatCanRefuse_HasARefusedValueHere()
    {
        var missing = ApiFieldTable.Fields
            .Where(f => f.Accepts is not null && f.Support != FieldSupport.NoEffect && !_refusedValues.ContainsKey(f.Name))
            .Select(f => f.Name);

        Assert.Empty(missing);
    }

    /// <summary>A name may have a row per meaning (the Responses API's stream is not chat's), but one per endpoint.</summary>
    [Fact]
    public void EachName_HasOneRowPerEndpoint()
    {
        var duplicates = Enum.GetValues<ApiEndpoints>()
            .Where(e => System.Numerics.BitOperations.PopCount((uint)e) == 1)
            .SelectMany(e => ApiFieldTable.Fields.Where(f => f.Endpoints.HasFlag(e)).GroupBy(f => f.Name).Where(g => g.Count() > 1).Select(g => $"{g.Key} ({e})"));

        Assert.Empty(duplicates);
    }

    [Theory]
    [InlineData("/v1/completions", "\"echo\":false,\"logit_bias\":{},\"bad_words\":[],\"n\":1,\"best_of\":1,\"response_format\":{\"type\":\"text\"}")]
    [InlineData("/v1/chat/completions", "\"echo\":false,\"logit_bias\":null,\"tool_choice\":\"none\",\"parallel_tool_calls\":true,\"modalities\":[\"text\"]")]
    [InlineData("/v1/chat/completions", "\"continue_final_message\":false,\"length_penalty\":1.0,\"use_beam_search\":false,\"stream_options\":null")]
    [InlineData("/v1/chat/completions", "\"user\":\"u-1\",\"metadata\":{\"k\":\"v\"},\"store\":false,\"spaces_between_special_tokens\":false")]
    [InlineData("/tokenize", "\"return_token_strs\":false,\"add_special_tokens\":false")]
    [InlineData("/v1/responses", "\"background\":false,\"truncation\":\"disabled\",\"reasoning\":{\"effort\":null},\"include\":[],\"store\":false,\"max_tool_calls\":3")]
    [InlineData("/v1/responses", "\"text\":{\"format\":{\"type\":\"text\"}},\"metadata\":{\"k\":\"v\"},\"prompt_cache_retention\":\"24h\",\"conversation\":null")]
    [InlineData("/v1/embeddings", "\"encoding_format\":\"base64\",\"embed_dtype\":\"float32\",\"endianness\":\"native\",\"messages\":null,\"user\":\"u-1\"")]
    [InlineData("/v1/score", "\"user\":\"u-1\",\"priority\":0,\"truncate_prompt_tokens\":null,\"request_id\":null")]
    [InlineData("/v1/rerank", "\"user\":\"u-1\",\"priority\":0,\"top_n\":0,\"truncate_prompt_tokens\":-1")]
    public async Task NeutralValues_AreAccepted(string path, string fields)
    {
        int warningsBefore = host.Logs.IgnoredFieldWarnings.Count;

        var answer = await host.Http.PostJsonAsync(path, Body(path, fields));

        Assert.Equal(200, answer.Status);
        Assert.Empty(host.Logs.IgnoredFieldWarnings.Skip(warningsBefore));
    }

    [Theory]
    [InlineData("/v1/completions")]
    [InlineData("/v1/chat/completions")]
    public async Task StreamOptionsWithoutStream_Is400NamingThem(string path)
    {
        var answer = await host.Http.PostJsonAsync(path, Body(path, "\"stream_options\":{\"include_usage\":true}"));

        Assert.Equal(400, answer.Status);
        Assert.Equal("stream_options", answer.Json.GetProperty("error").GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("/v1/completions", "\"no_such_field\":{\"deep\":[1,2,3]}", "\"no_such_field\"")]
    [InlineData("/v1/chat/completions", "\"max_output_tokens\":8,\"temperature\":0,\"x_tag\":\"a\"", "\"max_output_tokens\", \"x_tag\"")]
    [InlineData("/v1/responses", "\"max_tokens\":8", "\"max_tokens\"")]
    [InlineData("/v1/chat/completions", "\"stream\":true,\"stream_options\":{\"include_usage\":true,\"include_obfuscation\":false}", "\"stream_options.include_obfuscation\"")]
    [InlineData("/v1/responses", "\"x_tag\":1,\"reasoning\":{\"effort\":null,\"mode\":\"fast\"},\"text\":{\"format\":{\"type\":\"text\"},\"style\":1}", "\"x_tag\", \"text.style\", \"reasoning.mode\"")]
    [InlineData("/v1/embeddings", "\"temperature\":0.5", "\"temperature\"")]
    [InlineData("/tokenize", "\"max_tokens\":8,\"\":1,\"a\\nb\":2", "\"max_tokens\", \"\", \"a\\nb\"")]
    public async Task UnknownField_IsIgnoredAndLoggedAsVllmDoes(string path, string fields, string ignored)
    {
        int warningsBefore = host.Logs.IgnoredFieldWarnings.Count;

        var answer = await host.Http.PostJsonAsync(path, Body(path, fields));

        Assert.Equal(200, answer.Status);
        var warning = Assert.Single(host.Logs.IgnoredFieldWarnings.Skip(warningsBefore));
        Assert.Equal($"The following fields were present in the request to {path} but ignored: {ignored}", warning);
    }

    [Fact]
    public async Task IgnoredFields_AreLoggedOnceEachBoundedInNumberAndLength()
    {
        int warningsBefore = host.Logs.IgnoredFieldWarnings.Count;
        var longName = new string('x', 70);
        var many = string.Join(",", Enumerable.Range(0, 16).Select(i => $"\"f{i}\":1"));

        var answer = await host.Http.PostJsonAsync("/v1/completions", Body("/v1/completions", $"\"dup\":1,\"dup\":2,\"{longName}\":1,{many}"));

        Assert.Equal(200, answer.Status);
        var warning = Assert.Single(host.Logs.IgnoredFieldWarnings.Skip(warningsBefore));
        var shown = string.Join(", ", Enumerable.Range(0, 14).Select(i => $"\"f{i}\""));
        Assert.Equal($"The following fields were present in the request to /v1/completions but ignored: \"dup\", \"{longName[..64]}...\", {shown} and 2 more", warning);
    }

    [Fact]
    public void Ignored_ListsOnlyTheNamesNoRowGivesTheEndpoint()
    {
        using var body = System.Text.Json.JsonDocument.Parse("""{"max_tokens":1,"max_output_tokens":2,"input":"x","zz":null}""");
        var fields = new Gateway.Api.Json.RequestFields(body.RootElement);

        Assert.Equal(["max_output_tokens", "input", "zz"], ApiFieldTable.Ignored(fields, ApiEndpoints.Completions));
        Assert.Equal(["max_tokens", "zz"], ApiFieldTable.Ignored(fields, ApiEndpoints.Responses));
    }

    [Theory]
    [InlineData("""{"x":1}""", "logit_bias keys must be token ids")]
    [InlineData("""{"-1":1}""", "logit_bias keys must be token ids")]
    [InlineData("""{"5":101}""", "logit_bias[\"5\"] must be a number in [-100, 100]")]
    [InlineData("""{"5":"1"}""", "logit_bias[\"5\"] must be a number in [-100, 100]")]
    [InlineData("[1]", "logit_bias must be an object")]
    public async Task MalformedLogitBias_Returns400SayingWhatIsWrong(string bias, string message)
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", Body("/v1/completions", $"\"logit_bias\":{bias}"));

        Assert.Equal(400, answer.Status);
        Assert.Equal("logit_bias", answer.ErrorParam);
        Assert.StartsWith(message, answer.Error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("tool_choice", "\"sometimes\"", "tool_choice must be one of none, auto, required")]
    [InlineData("tool_choice", "5", "tool_choice must be")]
    [InlineData("response_format", """{"type":"yaml"}""", "response_format.type must be text, json_object")]
    [InlineData("n", "\"two\"", "n must be an integer")]
    public async Task MalformedPartlySupportedField_Returns400SayingWhatIsWrong(string field, string value, string message)
    {
        var answer = await host.Http.PostJsonAsync("/v1/chat/completions", Body("/v1/chat/completions", $"\"{field}\":{value}"));

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.StartsWith(message, answer.Error.GetProperty("message").GetString());
    }

    private static string Path(ApiEndpoints endpoint) => endpoint switch
    {
        ApiEndpoints.Completions => "/v1/completions",
        ApiEndpoints.Chat => "/v1/chat/completions",
        ApiEndpoints.Responses => "/v1/responses",
        ApiEndpoints.Embeddings => "/v1/embeddings",
        _ => "/tokenize",
    };

    private static string Body(string path, string fields) => path switch
    {
        "/v1/chat/completions" => $$"""{"messages":[{"role":"user","content":"hi"}],{{fields}}}""",
        "/v1/responses" or "/v1/embeddings" => $$"""{"input":"hi",{{fields}}}""",
        "/v1/score" => $$"""{"text_1":"hi","text_2":"there",{{fields}}}""",
        "/v1/rerank" => $$"""{"query":"hi","documents":["there"],{{fields}}}""",
        _ => $$"""{"prompt":"hi",{{fields}}}""",
    };
}

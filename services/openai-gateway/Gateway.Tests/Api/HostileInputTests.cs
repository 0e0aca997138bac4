using System.Text;
using System.Text.Json;
using Gateway.Api.Fields;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>
/// Hundreds of hostile or unusual requests, generated systematically per endpoint: every known field (and unknown
/// ones) set to every kind of wrong or extreme value, and whole bodies that are not what they should be. None may be
/// a 500, and every refusal must be the OpenAI error envelope.
/// </summary>
public sealed class HostileInputTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    /// <summary>Values of every JSON kind, extreme numbers, NaN-like strings, nesting, long and broken text.</summary>
    private static readonly string[] _values =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e308", "-1e308", "1e400", "9223372036854775808", "-9223372036854775809",
        "\"\"", "\"x\"", "\"NaN\"", "\"-Infinity\"", "\"1e999\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\u0000\"",
        "[]", "[null]", "[1,\"a\",null]", "[[[]]]", "[{}]", "[\"\\ud83d\"]", "{}", "{\"a\":{\"b\":[null,{\"c\":\"\\ud800\"}]}}",
        "{\"type\":null}", "{\"\\ud800\":1}",
        Quote(new string('a', 100_000)),
        new string('[', 100) + new string(']', 100),
    ];

    public static TheoryData<string> Endpoints() => ["/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize"];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task HostileRequests_NeverGet500AndEveryErrorIsTheEnvelope(string path)
    {
        var requests = Requests(path).ToList();
        var problems = new List<string>();

        foreach (var (label, body) in requests)
        {
            var answer = await host.Http.PostBytesAsync(path, body, "application/json");
            if (Problem(answer) is { } problem)
            {
                problems.Add($"{label}: {problem}");
            }
        }

        Assert.True(requests.Count >= 100, $"only {requests.Count} requests");
        Assert.True(problems.Count == 0, string.Join('\n', problems.Take(20)));
    }

    private static IEnumerable<(string Label, byte[] Body)> Requests(string path)
    {
        var (baseFields, endpoint) = path switch
        {
            "/v1/completions" => (new Dictionary<string, string> { ["prompt"] = "\"Hi\"", ["max_tokens"] = "3" }, ApiEndpoints.Completions),
            "/v1/chat/completions" => (new Dictionary<string, string> { ["messages"] = """[{"role":"user","content":"Hi"}]""" }, ApiEndpoints.Chat),
            "/tokenize" => (new Dictionary<string, string> { ["prompt"] = "\"Hi\"" }, ApiEndpoints.Tokenize),
            _ => (new Dictionary<string, string> { ["tokens"] = "[65, 66]" }, ApiEndpoints.Detokenize),
        };
        var names = ApiFieldTable.Fields.Where(f => f.Endpoints.HasFlag(endpoint)).Select(f => f.Name)
            .Concat(["no_such_field", "Prompt", ""])
            .Distinct();

        // Each field with each value, the rest of the body valid (a few values per field beyond the first 40 fields
        // keep the count reasonable while every field still sees wrong types).
        var fieldIndex = 0;
        foreach (var name in names)
        {
            var values = fieldIndex++ < 40 ? _values : _values.Where((_, i) => i % 3 == 0).ToArray();
            foreach (var value in values)
            {
                var fields = new Dictionary<string, string>(baseFields) { [name] = value };
                yield return ($"{name}={Shorten(value)}", Utf8(Object(fields)));
            }
        }

        // Whole bodies that are not one well-formed JSON object of valid text.
        string[] bodies =
        [
            "", " ", "null", "[]", "\"text\"", "42", "{", "}", "{\"prompt\":}", "{\"prompt\":\"Hi\",}", "{'prompt':'Hi'}",
            "{\"prompt\":NaN}", "{\"prompt\":Infinity}", "{\"prompt\":\"Hi\"} trailing", "{}{}", "\uFEFF{\"prompt\":\"Hi\"}",
            "{\"prompt\":\"Hi\",\"prompt\":\"again\"}", "/* c */ {\"prompt\":\"Hi\"}",
            new string('[', 200) + new string(']', 200),
            "{\"a\":" + new string('[', 130) + new string(']', 130) + "}",
            "[" + Object(baseFields) + "]",
        ];
        foreach (var body in bodies)
        {
            yield return ($"body {Shorten(body)}", Utf8(body));
        }

        // Bytes that are not UTF-8: inside a string, in a key, outside strings, overlong, an encoded surrogate, truncated.
        byte[][] badBytes = [[0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]];
        var first = baseFields.First();
        foreach (var bad in badBytes)
        {
            var hex = Convert.ToHexString(bad);
            yield return ($"bytes {hex} in a string", [.. Utf8("{\"model\":\"a"), .. bad, .. Utf8($"\",\"{first.Key}\":{first.Value}}}")]);
            yield return ($"bytes {hex} in a key", [.. Utf8("{\""), .. bad, .. Utf8($"\":1,\"{first.Key}\":{first.Value}}}")]);
            yield return ($"bytes {hex} outside strings", [.. Utf8($"{{\"{first.Key}\":{first.Value},"), .. bad, .. Utf8("}")]);
        }
    }

    /// <summary>Null when the answer is acceptable: a success, or a non-5xx error in the OpenAI envelope.</summary>
    private static string? Problem(HttpAnswer answer)
    {
        if (answer.Status >= 500)
        {
            return $"status {answer.Status}: {Shorten(answer.Text)}";
        }

        if (answer.Status < 400)
        {
            return null;
        }

        try
        {
            var error = answer.Json.GetProperty("error");
            var wellFormed = error.GetProperty("message").ValueKind == JsonValueKind.String
                && error.GetProperty("type").ValueKind == JsonValueKind.String
                && error.GetProperty("param").ValueKind is JsonValueKind.String or JsonValueKind.Null
                && error.GetProperty("code").GetInt32() == answer.Status;
            return wellFormed ? null : $"status {answer.Status}, not the envelope: {Shorten(answer.Text)}";
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"status {answer.Status}, not the envelope: {Shorten(answer.Text)}";
        }
    }

    private static string Object(Dictionary<string, string> fields) =>
        "{" + string.Join(",", fields.Select(f => $"{Quote(f.Key)}:{f.Value}")) + "}";

    private static string Quote(string text) => "\"" + text + "\"";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}

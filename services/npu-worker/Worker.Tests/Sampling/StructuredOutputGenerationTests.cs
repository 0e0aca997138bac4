using System.Text;
using System.Text.Json;
using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Inference.Grammar.Vocabulary;
using Worker.Runtime;
using Worker.Tests.Support;

namespace Worker.Tests.Sampling;

/// <summary>
/// The tiny random-weight model generates garbage text, but under a structured-output grammar the greedy text is
/// valid: the worker masks every token the grammar refuses and allows end-of-sequence only once the output matches.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class StructuredOutputGenerationTests(TinyModelFixture tiny)
{
    private const int MaxNewTokens = 400;
    private static readonly int[] Prompt = [5, 17, 300, 42, 7];

    private const string Schema = """
        {"type":"object","properties":{
          "name":{"type":"string","maxLength":6},
          "age":{"type":"integer","minimum":0,"maximum":120},
          "tags":{"type":"array","items":{"enum":["red","green"]},"maxItems":2},
          "address":{"type":"object","properties":{"zip":{"type":"integer"}},"required":["zip"]}},
         "required":["name","age","tags","address"]}
        """;

    private readonly TokenVocabulary _vocabulary = TokenVocabulary.FromTokenizerJson(
        Path.Combine(tiny.ModelPath, "tokenizer.json"), tiny.Runner.Info.VocabSize, tiny.Runner.Info.EosTokenIds);

    [Fact]
    public async Task GreedyGeneration_WithJsonSchema_IsJsonWithTheRequiredFields()
    {
        var output = await Generate("schema", Prompt, Prompt.Length, Sampling(new StructuredOutput.JsonSchema(Schema)));

        using var json = JsonDocument.Parse(Text(output));
        var root = json.RootElement;
        Assert.True(root.GetProperty("name").GetString()!.Length <= 6);
        Assert.InRange(root.GetProperty("age").GetInt32(), 0, 120);
        Assert.All(root.GetProperty("tags").EnumerateArray(), tag => Assert.Contains(tag.GetString(), new[] { "red", "green" }));
        Assert.Equal(JsonValueKind.Number, root.GetProperty("address").GetProperty("zip").ValueKind);
    }

    [Fact]
    public async Task GreedyGeneration_WithChoice_IsOneOfTheChoices()
    {
        string[] choices = ["positive", "negative", "neutral"];

        var output = await Generate("choice", Prompt, Prompt.Length, Sampling(new StructuredOutput.Choice(choices)));

        Assert.Contains(Text(output), choices);
    }

    [Fact]
    public async Task GreedyGeneration_WithGrammar_EndsWithEndOfSequenceOnlyAtTheEnd()
    {
        var output = await Generate("eos", Prompt, Prompt.Length, Sampling(new StructuredOutput.Regex("[a-z]{3,5}")));

        Assert.Contains(output[^1], tiny.Runner.Info.EosTokenIds);
        Assert.DoesNotContain(output[..^1], tiny.Runner.Info.EosTokenIds.Contains);
    }

    [Fact]
    public async Task ResumedRequest_ReplaysItsOutputIntoTheGrammar_AndContinuesAsIfUninterrupted()
    {
        var sampling = Sampling(new StructuredOutput.JsonSchema(Schema));
        var uninterrupted = await Generate("whole", Prompt, Prompt.Length, sampling);
        int resumeAt = uninterrupted.Count / 2;

        // As after preemption: the prompt and the output so far come back as one new request.
        var continued = await Generate("resumed", [.. Prompt, .. uninterrupted[..resumeAt]], Prompt.Length, sampling);

        Assert.Equal(uninterrupted[resumeAt..], continued);
    }

    private static SamplingParams Sampling(StructuredOutput output) => new(Temperature: 0f, StructuredOutput: output);

    private string Text(List<int> output)
    {
        var bytes = new List<byte>();
        foreach (int id in output.Where(id => !tiny.Runner.Info.EosTokenIds.Contains(id)))
        {
            bytes.AddRange(_vocabulary.GetBytes(id).ToArray());
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private Task<List<int>> Generate(string id, IReadOnlyList<int> tokens, int numPromptTokens, SamplingParams sampling) =>
        Steps.GenerateUntilEos(tiny.Runner, id, tokens, numPromptTokens, sampling, MaxNewTokens);
}

using System.Text;
using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Inference.Grammar.Vocabulary;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Sampling;
using Worker.Tests.Support;

namespace Worker.Tests.Sampling;

/// <summary>The tiny Qwen3 checkpoint (its vocabulary has &lt;think&gt; and &lt;/think&gt; tokens), written once for the class.</summary>
public sealed class TinyQwen3Fixture : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public TinyQwen3Fixture()
    {
        RandomCheckpointWriter.Write(ModelPath, MakeModelArguments.ToSpec(["--arch", "qwen3", "--preset", "tiny", "--seed", "0"]));
        Runner = ModelRunner.Load(ModelPath, new ModelRunnerOptions { NumBlocks = 64, Threads = 2 });
        Tags = ReasoningTokens.FromTokenizerJson(Path.Combine(ModelPath, "tokenizer.json"))!;
    }

    public string ModelPath => Path.Combine(_directory.Path, "tiny-qwen3");

    public ModelRunner Runner { get; }

    public ReasoningTokens Tags { get; }

    public void Dispose()
    {
        Runner.Dispose();
        _directory.Dispose();
    }
}

/// <summary>
/// Structured output after the reasoning (vLLM's under a reasoning parser): the grammar waits until the model has
/// closed its think block, then holds the rest; a prompt that already closed it (Qwen3 with thinking off) starts it at once.
/// </summary>
public sealed class StructuredOutputAfterReasoningTests(TinyQwen3Fixture qwen3) : IClassFixture<TinyQwen3Fixture>
{
    private const int MaxNewTokens = 60;
    private const string Pattern = "[a-z]{3,5}";
    private static readonly int[] Prompt = [5, 17, 300, 42, 7];

    [Fact]
    public void Qwen3Vocabulary_HasBothTagsAsTokens()
    {
        Assert.Equal(new ReasoningTokens(151667, 151668), qwen3.Tags);
    }

    [Fact]
    public async Task TheGrammar_WaitsForTheCloseTag_ThenHoldsWhatFollows()
    {
        // The bias makes the close tag the model's first pick: no grammar may stop it while the model reasons.
        var sampling = Sampling(afterReasoning: true) with { LogitBias = new Dictionary<int, float> { [qwen3.Tags.Close] = 100f } };

        var output = await Generate("after", Prompt, sampling);

        Assert.Equal(qwen3.Tags.Close, output[0]);
        Assert.Matches($"^{Pattern}$", Text(output[1..]));
    }

    [Fact]
    public async Task WithoutAfterReasoning_TheGrammarHoldsTheFirstToken()
    {
        var sampling = Sampling(afterReasoning: false) with { LogitBias = new Dictionary<int, float> { [qwen3.Tags.Close] = 100f } };

        var output = await Generate("from start", Prompt, sampling);

        Assert.DoesNotContain(qwen3.Tags.Close, output);
        Assert.Matches($"^{Pattern}$", Text(output));
    }

    [Fact]
    public async Task APromptThatClosedTheBlock_StartsTheGrammarAtOnce()
    {
        int[] prompt = [.. Prompt, qwen3.Tags.Open, 271, qwen3.Tags.Close, 271];
        var sampling = Sampling(afterReasoning: true) with { LogitBias = new Dictionary<int, float> { [qwen3.Tags.Close] = 100f } };

        var output = await Generate("closed", prompt, sampling);

        Assert.DoesNotContain(qwen3.Tags.Close, output);
        Assert.Matches($"^{Pattern}$", Text(output));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AResumedRequest_ReplaysTheCloseTagAndTheGrammarsTokens_AndContinuesAsIfUninterrupted(int resumeAt)
    {
        var sampling = Sampling(afterReasoning: true) with { LogitBias = new Dictionary<int, float> { [qwen3.Tags.Close] = 100f } };
        var uninterrupted = await Generate("whole", Prompt, sampling);

        // As after preemption: the prompt and the output so far come back as one new request.
        var continued = await Steps.GenerateUntilEos(qwen3.Runner, "resumed", [.. Prompt, .. uninterrupted[..resumeAt]], Prompt.Length, sampling, MaxNewTokens);

        Assert.Equal(uninterrupted[resumeAt..], continued);
    }

    [Fact]
    public void ThePromptsLaterTag_DecidesWhetherTheBlockIsClosed()
    {
        var tags = qwen3.Tags;

        Assert.False(tags.ClosedAfter([1, 2, 3]));
        Assert.False(tags.ClosedAfter([1, tags.Open, 2]));
        Assert.True(tags.ClosedAfter([1, tags.Open, 2, tags.Close, 3]));
        Assert.False(tags.ClosedAfter([tags.Open, tags.Close, 1, tags.Open, 2]));
    }

    private static SamplingParams Sampling(bool afterReasoning) =>
        new(Temperature: 0f, StructuredOutput: new StructuredOutput.Regex(Pattern) { AfterReasoning = afterReasoning });

    private string Text(IEnumerable<int> output)
    {
        var vocabulary = TokenVocabulary.FromTokenizerJson(Path.Combine(qwen3.ModelPath, "tokenizer.json"), qwen3.Runner.Info.VocabSize, qwen3.Runner.Info.EosTokenIds);
        var bytes = output.Where(id => !qwen3.Runner.Info.EosTokenIds.Contains(id)).SelectMany(id => vocabulary.GetBytes(id).ToArray()).ToArray();
        return Encoding.UTF8.GetString(bytes);
    }

    private Task<List<int>> Generate(string id, IReadOnlyList<int> prompt, SamplingParams sampling) =>
        Steps.GenerateUntilEos(qwen3.Runner, id, prompt, prompt.Count, sampling, MaxNewTokens);
}

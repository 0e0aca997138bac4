using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Models;
using Worker.Tests.Support;
using static Worker.Tests.Support.EmbeddingModelFixture;

namespace Worker.Tests.Models;

/// <summary>
/// A sequence classifier's pooled output: its head over the prompt's last final-normed hidden state, checked against the
/// same decoder run as a causal LM (the random weights depend only on tensor name and seed, so a classifier checkpoint
/// and a causal one of one seed share every decoder weight).
/// </summary>
public sealed class SequenceClassifierTests(EmbeddingModelFixture causal) : IClassFixture<EmbeddingModelFixture>
{
    /// <summary>fp32 dots of 64 products of order one in another order than the LM head kernel adds them (as the embedding tests measure).</summary>
    private const float LogitTolerance = 1e-4f;

    /// <summary>"a" and "b", ids 64 and 65 of the Qwen vocabulary, inside the fixture's 1,000-row LM head.</summary>
    private const int FalseToken = 64, TrueToken = 65;

    [Fact]
    public async Task ScoreWeightClassifier_AnswersTheHeadOverTheLastHiddenState()
    {
        using var folder = new TemporaryDirectory();
        RandomCheckpointWriter.Write(folder.Path, Spec with { Labels = ["negative", "neutral", "positive"] });
        using var classifier = ModelRunner.Load(folder.Path, Options);

        var logits = await Steps.Embed(classifier, Prompt, new PoolingParams(Normalize: false));
        var hidden = await Steps.Embed(causal.Runner, Prompt, new PoolingParams(Normalize: false));

        Assert.Equal("Qwen2ForSequenceClassification", classifier.Info.Architecture);
        Assert.Equal(["negative", "neutral", "positive"], classifier.Info.Classifier!.Labels);
        Assert.Equal(ClassifierActivation.Softmax, classifier.Info.Classifier.ClassifyActivation);
        Assert.Equal(3, classifier.Info.Pooling!.HiddenSize);
        Assert.False(classifier.Info.Pooling.Normalize);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);
        var score = new float[3 * HiddenSize];
        checkpoint.Get("score.weight", 3, HiddenSize).CopyTo(score);
        for (int label = 0; label < 3; label++)
        {
            float expected = TensorPrimitives.Dot<float>(hidden, score.AsSpan(label * HiddenSize, HiddenSize));
            Assert.True(Math.Abs(expected - logits[label]) <= LogitTolerance, $"label {label}: {logits[label]}, expected {expected}");
        }
    }

    [Fact]
    public async Task TwoWaySoftmaxConversion_ScoresTheLogitOfTheTrueTokenOverTheFalseOne()
    {
        // vLLM's from_2_way_softmax (what is_original_qwen3_reranker sets up): one logit, l_true - l_false, whose sigmoid
        // is the softmax of the two tokens' LM logits.
        var overrides = HfOverrides.Parse("""
            {"architectures": ["Qwen2ForSequenceClassification"], "classifier_from_token": ["a", "b"], "method": "from_2_way_softmax"}
            """);
        using var reranker = ModelRunner.Load(causal.ModelPath, Options with { HfOverrides = overrides });

        var logit = Assert.Single(await Steps.Embed(reranker, Prompt, new PoolingParams(Normalize: false)));
        var lm = causal.Runner.ComputeLogits(Prompt);

        Assert.Equal(["LABEL_0"], reranker.Info.Classifier!.Labels);
        Assert.Equal(ClassifierActivation.Sigmoid, reranker.Info.Classifier.ScoreActivation);
        Assert.True(Math.Abs(lm[TrueToken] - lm[FalseToken] - logit) <= 2 * LogitTolerance,
            $"classifier logit {logit}, LM logits {lm[TrueToken]} - {lm[FalseToken]}");
        float softmax = MathF.Exp(lm[TrueToken]) / (MathF.Exp(lm[TrueToken]) + MathF.Exp(lm[FalseToken]));
        Assert.Equal(softmax, ClassifierInfo.Apply(ClassifierActivation.Sigmoid, [logit])[0], 4);
    }

    [Fact]
    public async Task TokenRowsConversion_AnswersTheLmLogitsOfItsTokens()
    {
        var overrides = HfOverrides.Parse("""
            {"architectures": ["Qwen2ForSequenceClassification"], "classifier_from_token": ["a", "b", "!"], "method": "no_post_processing"}
            """);
        using var classifier = ModelRunner.Load(causal.ModelPath, Options with { HfOverrides = overrides });

        var logits = await Steps.Embed(classifier, Prompt, new PoolingParams(Normalize: false));
        var lm = causal.Runner.ComputeLogits(Prompt);

        int[] ids = [FalseToken, TrueToken, 0];
        Assert.Equal(3, logits.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.True(Math.Abs(lm[ids[i]] - logits[i]) <= LogitTolerance, $"class {i}: {logits[i]}, LM logit {lm[ids[i]]}");
        }
    }

    [Fact]
    public async Task Classifier_RefusesToSample()
    {
        using var folder = new TemporaryDirectory();
        RandomCheckpointWriter.Write(folder.Path, Spec with { Labels = ["x", "y"] });
        using var classifier = ModelRunner.Load(folder.Path, Options);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => classifier.ExecuteAsync(
            Steps.Plan(0, [Steps.NewRequest("gen", Prompt, [0, 1, 2], Prompt.Length)]), CancellationToken.None));
        Assert.Contains("sequence classifier", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => classifier.ComputeLogits(Prompt));
    }

    [Theory]
    [InlineData("""{"classifier_from_token": ["a", "b"]}""", "needs method")]
    [InlineData("""{"method": "from_2_way_softmax"}""", "needs classifier_from_token")]
    [InlineData("""{"method": "from_2_way_softmax", "classifier_from_token": ["a", "b", "c"]}""", "exactly two")]
    [InlineData("""{"method": "mean_of_rows", "classifier_from_token": ["a"]}""", "method 'mean_of_rows' is not supported")]
    [InlineData("""{"id2label": {"0": "a", "2": "c"}}""", "id2label must name classes 0 to n-1")]
    [InlineData("""{"problem_type": "ranking"}""", "problem_type 'ranking'")]
    [InlineData("""{"sentence_transformers": {"activation_fn": "torch.nn.modules.activation.Tanh"}}""", "activation_fn")]
    public void InvalidClassifierConfig_IsRefusedNamingTheField(string fields, string expected)
    {
        using var folder = new ConfigFolder();
        var config = ConfigFolder.Tiny("Qwen2ForSequenceClassification");
        foreach (var (name, value) in JsonNode.Parse(fields)!.AsObject())
        {
            config[name] = value?.DeepClone();
        }

        folder.Write(config);
        var error = Assert.Throws<InvalidDataException>(() => ModelRegistry.LoadConfig(folder.Path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HfOverrides_ReplaceConfigFieldsAndAreNamedInErrors()
    {
        using var folder = new ConfigFolder();
        folder.Write(ConfigFolder.Tiny("Qwen2ForCausalLM"));

        var config = ModelRegistry.LoadConfig(folder.Path, HfOverrides.Parse("""{"num_hidden_layers": 3}"""));
        var error = Assert.Throws<InvalidDataException>(() => ModelRegistry.LoadConfig(folder.Path, HfOverrides.Parse("""{"architectures": ["GPT2LMHeadModel"]}""")));

        Assert.Equal(3, config.NumHiddenLayers);
        Assert.Contains("with --hf-overrides", error.Message, StringComparison.Ordinal);
        Assert.Contains("Qwen2ForSequenceClassification", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => HfOverrides.Parse("[1]"));
    }
}

namespace Integration.Tests.Classification;

/// <summary>`serve` of a random three-label Qwen2ForSequenceClassification checkpoint (make-model --labels).</summary>
public sealed class ClassifierServedSystem() : ServedSystem()
{
    public static readonly string[] Labels = ["negative", "neutral", "positive"];

    protected override IReadOnlyList<string> MakeModelArguments => ["--preset", "tiny", "--seed", "0", "--labels", string.Join(',', Labels)];
}

/// <summary>
/// `serve` of a random Qwen3 causal LM run as Qwen3-Reranker is with vLLM: --hf-overrides make it a one-label classifier
/// whose logit is the LM's "yes" logit minus its "no" logit.
/// </summary>
public sealed class RerankerServedSystem() : ServedSystem("--hf-overrides", Overrides)
{
    public const string Overrides =
        """{"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}""";

    protected override IReadOnlyList<string> MakeModelArguments => ["--preset", "tiny", "--seed", "0", "--arch", "qwen3"];
}

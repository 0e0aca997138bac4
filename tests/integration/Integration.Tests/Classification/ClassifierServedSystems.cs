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

/// <summary>
/// The converted reranker served with a score template (--chat-template, as vLLM's Qwen3-Reranker example serves it):
/// each pair is rendered as Qwen3-Reranker's prompt from the query and document messages.
/// </summary>
public sealed class TemplatedRerankerServedSystem() : ServedSystem("--hf-overrides", RerankerServedSystem.Overrides)
{
    /// <summary>Qwen3-Reranker's prompt, as vLLM's examples/pooling/score/template/qwen3_reranker.jinja lays it out.</summary>
    public const string Template =
        "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. " +
        "Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n" +
        "<Instruct>: Given a web search query, retrieve relevant passages that answer the query\n" +
        "<Query>: {{ messages | selectattr(\"role\", \"eq\", \"query\") | map(attribute=\"content\") | first }}\n" +
        "<Document>: {{ messages | selectattr(\"role\", \"eq\", \"document\") | map(attribute=\"content\") | first }}<|im_end|>\n" +
        "<|im_start|>assistant\n<think>\n\n</think>\n\n";

    /// <summary>What the template renders for one pair: without the source's last newline, as Jinja drops it (keep_trailing_newline false, as transformers renders).</summary>
    public static string Rendered(string query, string document) => Template[..^1]
        .Replace("{{ messages | selectattr(\"role\", \"eq\", \"query\") | map(attribute=\"content\") | first }}", query, StringComparison.Ordinal)
        .Replace("{{ messages | selectattr(\"role\", \"eq\", \"document\") | map(attribute=\"content\") | first }}", document, StringComparison.Ordinal);

    protected override IReadOnlyList<string> MakeModelArguments => ["--preset", "tiny", "--seed", "0", "--arch", "qwen3"];

    protected override async Task<IReadOnlyList<string>> PrepareAsync()
    {
        Directory.CreateDirectory(ExtrasDirectory);
        var path = Path.Combine(ExtrasDirectory, "qwen3_reranker.jinja");
        await File.WriteAllTextAsync(path, Template);
        return ["--chat-template", path];
    }
}

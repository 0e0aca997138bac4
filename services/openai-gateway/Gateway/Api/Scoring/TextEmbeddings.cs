using Gateway.Api.Embeddings;
using Gateway.Api.Sampling;
using Gateway.Backends;
using Gateway.Observability;

namespace Gateway.Api.Scoring;

/// <summary>
/// The embeddings of a score or rerank request's texts. Each distinct text is embedded once (rerank's query once for
/// all its documents, a text sent twice once), as vLLM's embedding score embeds them: plain text with the tokenizer's
/// special tokens, the whole embedding, the model's default normalization. The calls run as an embeddings request's
/// inputs do (<see cref="EmbeddingBatch"/>, <see cref="EmbedCall"/>): bounded, failing and cancelled together, counted
/// in the metrics one by one.
/// </summary>
public sealed class TextEmbeddings
{
    private readonly Dictionary<string, float[]> _embeddings;

    private TextEmbeddings(Dictionary<string, float[]> embeddings, int promptTokens)
    {
        _embeddings = embeddings;
        PromptTokens = promptTokens;
    }

    /// <summary>The prompt tokens of every text embedded, each distinct text once.</summary>
    public int PromptTokens { get; }

    /// <summary>The embedding of a text of the request.</summary>
    public float[] this[string text] => _embeddings[text];

    /// <summary>The answer's usage: every text's prompt tokens, and no completion tokens.</summary>
    public EmbeddingUsageDto Usage => new(PromptTokens, PromptTokens);

    /// <param name="fields">The request's text fields; a text's first place among them names it in a refusal.</param>
    /// <param name="options">Truncation and priority, for every text.</param>
    /// <param name="model">The served model (its name labels the metrics) and the adapter the texts run with, if any.</param>
    /// <param name="responseId">The answer's id: the k-th distinct text runs as "{responseId}-{k}", as vLLM numbers a score's prompts.</param>
    public static async Task<TextEmbeddings> EmbedAsync(
        IReadOnlyList<TextField> fields,
        ScoringOptions options,
        ResolvedModel model,
        string responseId,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        CancellationToken cancellationToken)
    {
        // DistinctBy keeps each text's first place, in order.
        var texts = fields
            .SelectMany(field => field.Texts.Select((text, i) => (Text: text, Origin: PromptOrigin.Of(field.Name, i, field.Texts.Count))))
            .DistinctBy(text => text.Text, StringComparer.Ordinal)
            .ToArray();

        var results = await EmbedCall.RunEachAsync(
            texts.Length,
            k => Request(texts[k].Text, $"{responseId}-{k}", options, model.LoraName),
            k => texts[k].Origin,
            generation, servedModel, metrics, model, cancellationToken);

        var embeddings = texts.Zip(results).ToDictionary(pair => pair.First.Text, pair => pair.Second.Embedding, StringComparer.Ordinal);
        return new TextEmbeddings(embeddings, results.Sum(result => result.PromptTokens));
    }

    /// <summary>
    /// The Embed request of one text. As plain text (markup such as &lt;|im_start|&gt; in it is not a control token),
    /// as the embeddings endpoint sends text; with the tokenizer's special tokens, as vLLM's score tokenizes it.
    /// </summary>
    private static EmbeddingRequest Request(string text, string requestId, ScoringOptions options, string? loraName) => new(
        requestId,
        new TextPrompt(text, ParseSpecialTokens: false, AddSpecialTokens: true),
        Dimensions: null,
        Normalize: null,
        options.TruncatePromptTokens,
        options.Priority,
        LoraName: loraName);
}

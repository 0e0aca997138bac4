using System.Text.Json.Nodes;
using Gateway.Api.Embeddings;
using Gateway.Api.Errors;
using Gateway.Backends;
using Gateway.Observability;
using Inference.Abstractions.Execution;
using Inference.Abstractions.Text;

namespace Gateway.Api.Scoring;

/// <summary>
/// Score and rerank with a cross-encoder (a sequence classifier with one label: Qwen3-Reranker as vLLM's hf_overrides
/// convert it, or a *ForSequenceClassification reranker): each pair is one prompt, text_1 + text_2 joined as vLLM joins
/// them for an LLM reranker (no separator) and tokenized as a tokenizer call does (special tokens in the text are
/// tokens, so a prompt in a reranker's template keeps its markup), or, when the operator gave a chat template
/// (--chat-template, vLLM's score template), that template rendered over the messages
/// [{"role": "query", "content": text_1}, {"role": "document", "content": text_2}]; its score the classifier's logit
/// through the model's score activation (or raw, with use_activation false). The calls run as an embeddings request's
/// inputs do (<see cref="EmbedCall.RunEachAsync"/>).
/// </summary>
public static class CrossEncoderScores
{
    /// <param name="pairs">The pairs in the answer's order.</param>
    /// <param name="field">The field of each pair's second text (text_2, documents), which a refusal of pair k names.</param>
    /// <param name="responseId">The answer's id: pair k runs as "{responseId}-{k}".</param>
    /// <returns>Each pair's score, and the prompt tokens of all of them.</returns>
    public static async Task<(double[] Scores, int PromptTokens)> ScoreAsync(
        IReadOnlyList<(string Text1, string Text2)> pairs,
        string field,
        ScoringOptions options,
        ResolvedModel model,
        ClassifierInfo classifier,
        string responseId,
        IGenerationService generation,
        ITokenizerService tokenizer,
        ServedModel servedModel,
        GatewayMetrics metrics,
        CancellationToken cancellationToken)
    {
        if (classifier.NumLabels != 1)
        {
            throw ApiException.BadRequest(
                $"The model `{model.Info.Name}` is a classifier of {classifier.NumLabels} labels; a cross-encoder scores a pair with one: use /classify.",
                "model");
        }

        bool scoreTemplate = await tokenizer.IsChatTemplateOverriddenAsync(cancellationToken);
        var results = await EmbedCall.RunEachAsync(
            pairs.Count,
            k => new EmbeddingRequest(
                $"{responseId}-{k}",
                PairPrompt(pairs[k].Text1, pairs[k].Text2, scoreTemplate),
                TruncatePromptTokens: options.TruncatePromptTokens,
                Priority: options.Priority,
                LoraName: model.LoraName,
                Task: PoolingTask.Classify),
            k => PromptOrigin.Of(field, k, pairs.Count),
            generation, servedModel, metrics, model, cancellationToken);

        var scores = results
            .Select(result => (double)(options.UseActivation ? ClassifierInfo.Apply(classifier.ScoreActivation, result.Embedding) : result.Embedding)[0])
            .ToArray();
        return (scores, results.Sum(result => result.PromptTokens));
    }

    /// <summary>
    /// A pair's prompt: the score template's render (with add_special_tokens, as vLLM tokenizes the rendered text), or
    /// the two texts joined.
    /// </summary>
    private static Prompt PairPrompt(string text1, string text2, bool scoreTemplate)
    {
        if (!scoreTemplate)
        {
            return new TextPrompt(text1 + text2, ParseSpecialTokens: true, AddSpecialTokens: true);
        }

        var messages = new JsonArray(
            new JsonObject { ["role"] = "query", ["content"] = text1 },
            new JsonObject { ["role"] = "document", ["content"] = text2 });
        return new ChatPrompt(new ChatTemplateInput(messages.ToJsonString(), ToolsJson: null, AddGenerationPrompt: false, TemplateKwargsJson: null, AddSpecialTokens: true));
    }
}

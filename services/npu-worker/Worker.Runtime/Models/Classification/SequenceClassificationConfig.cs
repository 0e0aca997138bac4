using System.Text.Json;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Models.Classification;

/// <summary>Where a classifier's head [num_labels, hidden] comes from.</summary>
internal enum ClassifierHeadSource
{
    /// <summary>The checkpoint's <c>score.weight</c>, as transformers' *ForSequenceClassification saves it.</summary>
    ScoreWeight,

    /// <summary>
    /// A causal LM read as a one-label classifier (vLLM's <c>from_2_way_softmax</c>, what Qwen3-Reranker and mxbai-rerank-v2
    /// need): the LM head's row of the second token minus that of the first, so that sigmoid(logit) is the softmax
    /// probability of the second token against the first ("yes" against "no").
    /// </summary>
    FromTwoWaySoftmax,

    /// <summary>A causal LM read as a classifier whose classes are the LM head's rows of the given tokens (vLLM's <c>no_post_processing</c>).</summary>
    FromTokenRows,
}

/// <summary>
/// A sequence-classification model's config.json, beside its decoder's: the architecture is the causal LM's with
/// ForSequenceClassification (Qwen2ForSequenceClassification, ...); id2label (else num_labels, default 2, as transformers)
/// gives the classes; problem_type the classify activation; a sentence-transformers cross-encoder's activation_fn the
/// score activation. vLLM's conversion fields turn a causal LM into one (set by --hf-overrides, as vLLM documents it for
/// Qwen3-Reranker): classifier_from_token with method from_2_way_softmax or no_post_processing, or
/// is_original_qwen3_reranker (from_2_way_softmax over "no" and "yes").
/// </summary>
/// <param name="Tokens">The tokens whose LM head rows make the head (empty for <see cref="ClassifierHeadSource.ScoreWeight"/>).</param>
internal sealed record SequenceClassificationConfig(ClassifierInfo Info, ClassifierHeadSource Source, IReadOnlyList<string> Tokens)
{
    public const string ArchitectureSuffix = "ForSequenceClassification";
    private const string CausalLmSuffix = "ForCausalLM";
    private const string TwoWaySoftmax = "from_2_way_softmax";
    private const string NoPostProcessing = "no_post_processing";

    /// <summary>transformers' num_labels when config.json sets neither it nor id2label.</summary>
    private const int DefaultNumLabels = 2;

    /// <summary>The causal LM whose decoder a classifier architecture runs (Qwen2ForSequenceClassification: Qwen2ForCausalLM); null for any other name.</summary>
    public static string? DecoderArchitecture(string architecture) =>
        architecture.EndsWith(ArchitectureSuffix, StringComparison.Ordinal)
            ? architecture[..^ArchitectureSuffix.Length] + CausalLmSuffix
            : null;

    /// <param name="root">config.json (with any overrides).</param>
    /// <param name="path">Its path, for messages.</param>
    /// <exception cref="InvalidDataException">A field is invalid or asks for what the worker does not compute (the message names it).</exception>
    public static SequenceClassificationConfig Read(JsonElement root, string path)
    {
        var (source, tokens) = ReadHeadSource(root, path);
        int? numLabels = source switch
        {
            ClassifierHeadSource.FromTwoWaySoftmax => 1,
            ClassifierHeadSource.FromTokenRows => tokens.Count,
            _ => ConfigJson.OptionalInt(root, path, "num_labels"),
        };
        var labels = ReadLabels(root, path, numLabels);
        string? problemType = OptionalString(root, path, "problem_type");
        if (problemType is not (null or "regression" or "single_label_classification" or "multi_label_classification"))
        {
            throw new InvalidDataException(
                $"{path}: problem_type '{problemType}' is not one of regression, single_label_classification, multi_label_classification.");
        }

        var classify = ClassifierInfo.ForProblemType(problemType, labels.Count);
        var score = ReadScoreActivation(root, path, labels.Count) ?? ClassifierInfo.ForProblemType(null, labels.Count);
        return new SequenceClassificationConfig(new ClassifierInfo(labels, classify, score), source, tokens);
    }

    private static (ClassifierHeadSource Source, IReadOnlyList<string> Tokens) ReadHeadSource(JsonElement root, string path)
    {
        bool qwen3Reranker = root.TryGetProperty("is_original_qwen3_reranker", out var flag) && flag.ValueKind == JsonValueKind.True;
        string? method = OptionalString(root, path, "method");
        IReadOnlyList<string>? tokens = null;
        if (root.TryGetProperty("classifier_from_token", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            tokens = list.ValueKind == JsonValueKind.Array && list.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String)
                ? [.. list.EnumerateArray().Select(t => t.GetString()!)]
                : throw new InvalidDataException($"{path}: classifier_from_token must be a list of token strings, got {list.GetRawText()}.");
        }

        if (qwen3Reranker)
        {
            // As vLLM's Qwen3 config hook: the original Qwen3-Reranker answers "yes" or "no".
            method ??= TwoWaySoftmax;
            tokens ??= ["no", "yes"];
        }

        if (method is null)
        {
            return tokens is null
                ? (ClassifierHeadSource.ScoreWeight, [])
                : throw new InvalidDataException($"{path}: classifier_from_token needs method ({TwoWaySoftmax} or {NoPostProcessing}).");
        }

        if (tokens is not { Count: > 0 })
        {
            throw new InvalidDataException($"{path}: method '{method}' needs classifier_from_token, the tokens whose LM head rows make the classifier.");
        }

        return method switch
        {
            TwoWaySoftmax when tokens.Count == 2 => (ClassifierHeadSource.FromTwoWaySoftmax, tokens),
            TwoWaySoftmax => throw new InvalidDataException(
                $"{path}: method {TwoWaySoftmax} needs exactly two classifier_from_token entries (the false token, then the true one), got {tokens.Count}."),
            NoPostProcessing => (ClassifierHeadSource.FromTokenRows, tokens),
            _ => throw new InvalidDataException($"{path}: method '{method}' is not supported; expected {TwoWaySoftmax} or {NoPostProcessing}."),
        };
    }

    /// <summary>
    /// id2label's names by class index; where it is absent or its size differs from a num_labels the conversion sets,
    /// LABEL_0 .. LABEL_{n-1}, as transformers' num_labels setter names them.
    /// </summary>
    private static IReadOnlyList<string> ReadLabels(JsonElement root, string path, int? numLabels)
    {
        Dictionary<int, string>? named = null;
        if (root.TryGetProperty("id2label", out var map) && map.ValueKind == JsonValueKind.Object)
        {
            named = [];
            foreach (var entry in map.EnumerateObject())
            {
                if (!int.TryParse(entry.Name, out int index) || index < 0 || entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"{path}: id2label must map class indices (\"0\", \"1\", ...) to names, got \"{entry.Name}\": {entry.Value.GetRawText()}.");
                }

                named[index] = entry.Value.GetString()!;
            }

            if (named.Count == 0 || Enumerable.Range(0, named.Count).Any(i => !named.ContainsKey(i)))
            {
                throw new InvalidDataException($"{path}: id2label must name classes 0 to n-1, got {map.GetRawText()}.");
            }
        }

        int count = numLabels ?? named?.Count ?? DefaultNumLabels;
        if (count < 1)
        {
            throw new InvalidDataException($"{path}: num_labels must be >= 1, got {count}.");
        }

        return named is not null && named.Count == count
            ? [.. Enumerable.Range(0, count).Select(i => named[i])]
            : [.. Enumerable.Range(0, count).Select(i => $"LABEL_{i}")];
    }

    /// <summary>
    /// A sentence-transformers cross-encoder's activation (config.json's sentence_transformers.activation_fn, or the older
    /// sbert_ce_default_activation_function), read only from torch.nn's modules as vLLM reads it; null when neither is set.
    /// Sigmoid and Softmax both mean vLLM's classify activation: a sigmoid for one label, a softmax for more.
    /// </summary>
    private static ClassifierActivation? ReadScoreActivation(JsonElement root, string path, int numLabels)
    {
        string field = "sentence_transformers.activation_fn";
        string? name = null;
        if (root.TryGetProperty("sentence_transformers", out var st) && st.ValueKind == JsonValueKind.Object
            && st.TryGetProperty("activation_fn", out var fn) && fn.ValueKind == JsonValueKind.String)
        {
            name = fn.GetString();
        }
        else if (OptionalString(root, path, "sbert_ce_default_activation_function") is { } older)
        {
            field = "sbert_ce_default_activation_function";
            name = older;
        }

        return name switch
        {
            null => null,
            "torch.nn.modules.activation.Sigmoid" or "torch.nn.modules.activation.Softmax" => ClassifierInfo.ForProblemType(null, numLabels),
            "torch.nn.modules.linear.Identity" => ClassifierActivation.Identity,
            _ => throw new InvalidDataException(
                $"{path}: {field} '{name}' is not supported; expected torch.nn.modules.activation.Sigmoid, torch.nn.modules.activation.Softmax or torch.nn.modules.linear.Identity."),
        };
    }

    private static string? OptionalString(JsonElement root, string path, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null
            ? null
            : value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw new InvalidDataException($"{path}: '{name}' must be a string, got {value.GetRawText()}.");
}

using System.Text.Json;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Models.Decoder;

namespace Worker.Runtime.Models.Classification;

/// <summary>
/// Reads a classifier's head, [num_labels, hidden] in fp32 (a few KB: it is applied to one pooled row per request), from
/// the checkpoint as <see cref="SequenceClassificationConfig.Source"/> says: score.weight, or rows of the LM head (the
/// tied embedding where the model ties them) for a causal LM converted into a classifier.
/// </summary>
internal static class ClassifierHeadWeights
{
    public const string ScoreWeight = "score.weight";

    /// <param name="tokenizerJsonPath">The model's tokenizer.json, where a conversion's tokens are looked up by their text.</param>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen, or a token is not in the vocabulary (the message names it).</exception>
    public static float[] Load(SequenceClassificationConfig config, ITensorSource checkpoint, int vocabSize, int hiddenSize, bool tied, string tokenizerJsonPath)
    {
        int labels = config.Info.NumLabels;
        if (config.Source == ClassifierHeadSource.ScoreWeight)
        {
            var score = checkpoint.Get(ScoreWeight, labels, hiddenSize);
            var weight = new float[labels * hiddenSize];
            score.CopyTo(weight);
            return weight;
        }

        var head = checkpoint.Get(tied ? DecoderTensorNames.Embedding : DecoderTensorNames.LmHead, vocabSize, hiddenSize);
        var ids = TokenIds(tokenizerJsonPath, config.Tokens, vocabSize);
        var rows = new float[ids.Length * hiddenSize];
        for (int i = 0; i < ids.Length; i++)
        {
            head.CopyTo(rows.AsSpan(i * hiddenSize, hiddenSize), (long)ids[i] * hiddenSize);
        }

        if (config.Source == ClassifierHeadSource.FromTokenRows)
        {
            return rows;
        }

        // from_2_way_softmax: sigmoid(h·(w_true - w_false)) = softmax([h·w_false, h·w_true])[1].
        var difference = new float[hiddenSize];
        for (int j = 0; j < hiddenSize; j++)
        {
            difference[j] = rows[hiddenSize + j] - rows[j];
        }

        return difference;
    }

    /// <summary>Each token's id by its text in tokenizer.json (the model's vocab, then its added tokens), as transformers' convert_tokens_to_ids.</summary>
    private static int[] TokenIds(string tokenizerJsonPath, IReadOnlyList<string> tokens, int vocabSize)
    {
        if (!File.Exists(tokenizerJsonPath))
        {
            throw new InvalidDataException($"classifier_from_token needs the model's tokenizer.json to find its tokens, which is not at {tokenizerJsonPath}.");
        }

        using var document = ConfigJson.Parse(tokenizerJsonPath);
        var root = document.RootElement;
        var ids = new int[tokens.Count];
        for (int i = 0; i < tokens.Count; i++)
        {
            int? id = null;
            if (root.TryGetProperty("model", out var model) && model.TryGetProperty("vocab", out var vocab) && vocab.ValueKind == JsonValueKind.Object
                && vocab.TryGetProperty(tokens[i], out var entry) && entry.ValueKind == JsonValueKind.Number)
            {
                id = entry.GetInt32();
            }

            if (id is null && root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in added.EnumerateArray())
                {
                    if (token.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() == tokens[i]
                        && token.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.Number)
                    {
                        id = value.GetInt32();
                        break;
                    }
                }
            }

            ids[i] = id is { } found && found >= 0 && found < vocabSize
                ? found
                : throw new InvalidDataException(
                    $"classifier_from_token[{i}] '{tokens[i]}' is not a token of the model's vocabulary ({tokenizerJsonPath}); give tokens as the vocabulary spells them.");
        }

        return ids;
    }
}

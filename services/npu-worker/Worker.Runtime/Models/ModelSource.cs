using System.Text.Json.Nodes;
using Inference.Abstractions.Execution;
using Inference.Gguf;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Embeddings;
using Worker.Runtime.Models.Classification;
using Worker.Runtime.Models.Gguf;
using Worker.Runtime.Sampling;

namespace Worker.Runtime.Models;

/// <summary>
/// What `--model` points at, read as far as the runner needs before the weights: a Hugging Face folder
/// (config.json, generation_config.json, safetensors) or one GGUF file (metadata and tensors in the file).
/// </summary>
/// <param name="Name">The default served name: the folder's name, or the file's name without .gguf.</param>
/// <param name="Grammars">Structured output over the model's vocabulary: the folder's tokenizer.json, or the GGUF file's token list (read on first use).</param>
/// <param name="Embedding">How the model embeds: the folder's sentence-transformers config (<see cref="PoolingConfigFile"/>), or its default.</param>
/// <param name="Architecture">config.json's architecture (a classifier's, where <see cref="Config"/> is its decoder's).</param>
/// <param name="Classifier">Set for a sequence classifier: its classes and where its head comes from.</param>
/// <param name="TokenizerJsonPath">The folder's tokenizer.json, where a converted classifier's tokens are found; null for a GGUF file.</param>
internal sealed record ModelSource(
    ICausalLmConfig Config,
    Func<ITensorSource> OpenTensors,
    string Name,
    SamplingDefaults SamplingDefaults,
    StructuredOutputGrammars Grammars,
    EmbeddingHead Embedding,
    string Architecture,
    SequenceClassificationConfig? Classifier = null,
    string? TokenizerJsonPath = null)
{
    public const string GgufExtension = ".gguf";

    public static bool IsGgufFile(string path) =>
        path.EndsWith(GgufExtension, StringComparison.OrdinalIgnoreCase) && File.Exists(path);

    /// <exception cref="FileNotFoundException">config.json or the weights are missing.</exception>
    /// <param name="overrides">vLLM's hf_overrides over the folder's config.json; null: none. A GGUF file takes none.</param>
    /// <exception cref="InvalidDataException">The architecture is not supported, or the config (or the embedding config) is invalid (message names it).</exception>
    /// <exception cref="ArgumentException">Overrides were given for a GGUF file.</exception>
    public static ModelSource Open(string path, JsonObject? overrides = null)
    {
        if (IsGgufFile(path))
        {
            if (overrides is { Count: > 0 })
            {
                throw new ArgumentException($"hf overrides apply to a model folder's config.json; {path} is a GGUF file, whose metadata they cannot change.");
            }

            var file = GgufFile.Open(path);
            var (config, permutedQueryKey) = GgufConfigReader.Read(file);
            return new ModelSource(config, () => GgufCheckpoint.Open(file, permutedQueryKey),
                Path.GetFileNameWithoutExtension(path), SamplingDefaults.None,
                new StructuredOutputGrammars(() => GgufVocabulary.Read(path, config.VocabSize, config.EosTokenIds), () => GgufVocabulary.ReadReasoningTokens(path)),
                EmbeddingHead.Default(config.HiddenSize), config.Architecture);
        }

        var (folderConfig, architecture, classifier) = ModelRegistry.Load(path, overrides);
        string tokenizerJson = Path.Combine(path, "tokenizer.json");
        return new ModelSource(folderConfig, () => SafetensorsCheckpoint.Open(path),
            new DirectoryInfo(Path.GetFullPath(path)).Name, GenerationConfigFile.LoadSamplingDefaults(path),
            new StructuredOutputGrammars(tokenizerJson, folderConfig.VocabSize, folderConfig.EosTokenIds),
            PoolingConfigFile.Load(path, folderConfig.HiddenSize, overrides), architecture, classifier, tokenizerJson);
    }
}

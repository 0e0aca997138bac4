using Inference.Abstractions.Execution;
using Inference.Gguf;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Embeddings;
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
internal sealed record ModelSource(
    ICausalLmConfig Config,
    Func<ITensorSource> OpenTensors,
    string Name,
    SamplingDefaults SamplingDefaults,
    StructuredOutputGrammars Grammars,
    EmbeddingHead Embedding)
{
    public const string GgufExtension = ".gguf";

    public static bool IsGgufFile(string path) =>
        path.EndsWith(GgufExtension, StringComparison.OrdinalIgnoreCase) && File.Exists(path);

    /// <exception cref="FileNotFoundException">config.json or the weights are missing.</exception>
    /// <exception cref="InvalidDataException">The architecture is not supported, or the config (or the embedding config) is invalid (message names it).</exception>
    public static ModelSource Open(string path)
    {
        if (IsGgufFile(path))
        {
            var file = GgufFile.Open(path);
            var (config, permutedQueryKey) = GgufConfigReader.Read(file);
            return new ModelSource(config, () => GgufCheckpoint.Open(file, permutedQueryKey),
                Path.GetFileNameWithoutExtension(path), SamplingDefaults.None,
                new StructuredOutputGrammars(() => GgufVocabulary.Read(path, config.VocabSize, config.EosTokenIds), () => GgufVocabulary.ReadReasoningTokens(path)),
                EmbeddingHead.Default(config.HiddenSize));
        }

        var folderConfig = ModelRegistry.LoadConfig(path);
        return new ModelSource(folderConfig, () => SafetensorsCheckpoint.Open(path),
            new DirectoryInfo(Path.GetFullPath(path)).Name, GenerationConfigFile.LoadSamplingDefaults(path),
            new StructuredOutputGrammars(Path.Combine(path, "tokenizer.json"), folderConfig.VocabSize, folderConfig.EosTokenIds),
            PoolingConfigFile.Load(path, folderConfig.HiddenSize));
    }
}

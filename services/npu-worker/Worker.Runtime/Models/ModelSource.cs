using Inference.Abstractions.Execution;
using Inference.Gguf;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Models.Gguf;

namespace Worker.Runtime.Models;

/// <summary>
/// What `--model` points at, read as far as the runner needs before the weights: a Hugging Face folder
/// (config.json, generation_config.json, safetensors) or one GGUF file (metadata and tensors in the file).
/// </summary>
/// <param name="Name">The default served name: the folder's name, or the file's name without .gguf.</param>
/// <param name="TokenizerJsonPath">The tokenizer.json structured output builds its vocabulary from (for a GGUF file, the one beside it).</param>
internal sealed record ModelSource(
    ICausalLmConfig Config,
    Func<ITensorSource> OpenTensors,
    string Name,
    SamplingDefaults SamplingDefaults,
    string TokenizerJsonPath)
{
    public const string GgufExtension = ".gguf";

    public static bool IsGgufFile(string path) =>
        path.EndsWith(GgufExtension, StringComparison.OrdinalIgnoreCase) && File.Exists(path);

    /// <exception cref="FileNotFoundException">config.json or the weights are missing.</exception>
    /// <exception cref="InvalidDataException">The architecture is not supported, or the config is invalid (message names it).</exception>
    public static ModelSource Open(string path)
    {
        if (IsGgufFile(path))
        {
            var file = GgufFile.Open(path);
            var (config, permutedQueryKey) = GgufConfigReader.Read(file);
            return new ModelSource(config, () => GgufCheckpoint.Open(file, permutedQueryKey),
                Path.GetFileNameWithoutExtension(path), SamplingDefaults.None,
                Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer.json"));
        }

        return new ModelSource(ModelRegistry.LoadConfig(path), () => SafetensorsCheckpoint.Open(path),
            new DirectoryInfo(Path.GetFullPath(path)).Name, GenerationConfigFile.LoadSamplingDefaults(path),
            Path.Combine(path, "tokenizer.json"));
    }
}

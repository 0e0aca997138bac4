using Inference.Abstractions.Execution;

namespace Worker.Runtime.Models;

/// <summary>
/// The sampling defaults a model ships in generation_config.json, as vLLM's <c>--generation-config auto</c> reads
/// them: temperature, top_p, top_k, min_p, repetition_penalty and max_new_tokens (as the default max_tokens).
/// Other fields (do_sample, eos ids) do not change them.
/// </summary>
internal static class GenerationConfigFile
{
    /// <returns>The fields the file sets; <see cref="SamplingDefaults.None"/> when there is no file.</returns>
    /// <exception cref="InvalidDataException">A field has the wrong type; the message names the file and field.</exception>
    public static SamplingDefaults LoadSamplingDefaults(string directory)
    {
        string path = Path.Combine(directory, "generation_config.json");
        if (!File.Exists(path))
        {
            return SamplingDefaults.None;
        }

        using var document = ConfigJson.Parse(path);
        var root = document.RootElement;
        return new SamplingDefaults(
            Temperature: (float?)ConfigJson.OptionalDouble(root, path, "temperature"),
            TopP: (float?)ConfigJson.OptionalDouble(root, path, "top_p"),
            TopK: ConfigJson.OptionalInt(root, path, "top_k"),
            MinP: (float?)ConfigJson.OptionalDouble(root, path, "min_p"),
            RepetitionPenalty: (float?)ConfigJson.OptionalDouble(root, path, "repetition_penalty"),
            MaxTokens: ConfigJson.OptionalInt(root, path, "max_new_tokens"));
    }
}

using LLama;
using LLama.Native;

namespace Inference.Cli.LlamaCpp;

/// <summary>llama.cpp's own quantizer (llama_model_quantize): an F16/F32 GGUF in, a quantized GGUF out.</summary>
public static class LlamaCppQuantizer
{
    /// <summary>The quantized file types `convert-gguf --type` names, as llama.cpp's llama-quantize calls them.</summary>
    private static readonly Dictionary<string, LLamaFtype> Types = new(StringComparer.Ordinal)
    {
        ["q8_0"] = LLamaFtype.MOSTLY_Q8_0,
        ["q6_k"] = LLamaFtype.MOSTLY_Q6_K,
        ["q5_k_m"] = LLamaFtype.MOSTLY_Q5_K_M,
        ["q4_k_m"] = LLamaFtype.MOSTLY_Q4_K_M,
        ["q5_0"] = LLamaFtype.MOSTLY_Q5_0,
        ["q4_0"] = LLamaFtype.MOSTLY_Q4_0,
    };

    public static IReadOnlyList<string> Names { get; } = [.. Types.Keys];

    /// <exception cref="InvalidOperationException">llama.cpp reported a failure.</exception>
    public static void ToQ8_0(string sourceGguf, string destinationGguf, int threads) => Quantize(sourceGguf, destinationGguf, "q8_0", threads);

    /// <summary>Quantizes every matrix (the output tensor included) as llama-quantize's <paramref name="type"/> does.</summary>
    /// <exception cref="ArgumentException">The type is not one of <see cref="Names"/>.</exception>
    /// <exception cref="InvalidOperationException">llama.cpp reported a failure.</exception>
    public static void Quantize(string sourceGguf, string destinationGguf, string type, int threads)
    {
        if (!Types.TryGetValue(type, out var ftype))
        {
            throw new ArgumentException($"llama.cpp quantization type '{type}' is not one of {string.Join(", ", Names)}.", nameof(type));
        }

        LlamaCppRuntime.Configure();
        string partial = destinationGguf + ".partial";
        if (!LLamaQuantizer.Quantize(sourceGguf, partial, ftype, threads, allowRequantize: false, quantizeOutputTensor: true))
        {
            throw new InvalidOperationException($"llama.cpp could not quantize {sourceGguf} to {type} (its log is above).");
        }

        File.Move(partial, destinationGguf, overwrite: true);
    }
}

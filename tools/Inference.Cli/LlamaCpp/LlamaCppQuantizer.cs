using LLama;
using LLama.Native;

namespace Inference.Cli.LlamaCpp;

/// <summary>llama.cpp's own quantizer (llama_model_quantize): an F16 GGUF in, a Q8_0 GGUF out, output tensor included.</summary>
public static class LlamaCppQuantizer
{
    /// <exception cref="InvalidOperationException">llama.cpp reported a failure.</exception>
    public static void ToQ8_0(string sourceGguf, string destinationGguf, int threads)
    {
        LlamaCppRuntime.Configure();
        string partial = destinationGguf + ".partial";
        if (!LLamaQuantizer.Quantize(sourceGguf, partial, LLamaFtype.MOSTLY_Q8_0, threads, allowRequantize: false, quantizeOutputTensor: true))
        {
            throw new InvalidOperationException($"llama.cpp could not quantize {sourceGguf} to Q8_0 (its log is above).");
        }

        File.Move(partial, destinationGguf, overwrite: true);
    }
}

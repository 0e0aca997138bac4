using Inference.Cli.CommandLine;
using Inference.Cli.Gguf;
using Inference.Cli.LlamaCpp;

namespace Inference.Cli.Commands;

/// <summary>
/// `convert-gguf --model DIR|ORG/NAME[@REV] --out FILE [--type f16|f32|bf16|q8_0|q6_k|q5_k_m|q4_k_m|q5_0|q4_0]
/// [--threads N]`: the checkpoint as one GGUF file for llama.cpp. The quantized types are written as F16 first, then
/// quantized by llama.cpp's own quantizer (as llama-quantize names them).
/// </summary>
public static class ConvertGgufCommand
{
    public static async Task<int> RunAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var model = args.RequiredString("model");
        var output = args.RequiredString("out");
        var type = args.String("type") ?? "f16";
        var threads = args.Int("threads", 1, 1024) ?? Environment.ProcessorCount;
        args.EnsureAllRead();
        if (!LlamaCppQuantizer.Names.Contains(type) && !GgufOutputTypes.Names.Contains(type))
            throw new UsageException($"--type must be one of {string.Join(", ", GgufOutputTypes.Names.Concat(LlamaCppQuantizer.Names))}; got '{type}'");

        if (await ModelArgument.ResolveAsync(model, cancellationToken) is not { } directory)
            return 1;

        var written = Convert(directory, output, type, threads);
        Console.Out.WriteLine($"{written.Path}: {written.Architecture}, {type}, {written.TensorCount} tensors, {written.Bytes / 1e6:F1} MB");
        return 0;
    }

    /// <summary>Writes the GGUF; a quantized type goes through an F16 file next to the output, removed afterwards.</summary>
    public static GgufConversion Convert(string modelDirectory, string output, string type, int threads)
    {
        using (var progress = new ConsoleProgress($"convert-gguf {Path.GetFileName(output)}"))
        {
            if (!LlamaCppQuantizer.Names.Contains(type))
            {
                var conversion = HfToGgufConverter.Convert(modelDirectory, output, GgufOutputTypes.Parse(type), progress);
                progress.Complete();
                return conversion;
            }

            string f16 = output + ".f16.tmp";
            try
            {
                var conversion = HfToGgufConverter.Convert(modelDirectory, f16, GgufOutputType.F16, progress);
                progress.Complete();
                LlamaCppQuantizer.Quantize(f16, output, type, threads);
                return conversion with { Path = output, Bytes = new FileInfo(output).Length };
            }
            finally
            {
                File.Delete(f16);
            }
        }
    }
}

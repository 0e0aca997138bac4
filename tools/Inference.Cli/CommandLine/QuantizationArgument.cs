using Worker.Runtime.Ops.Quantization;

namespace Inference.Cli.CommandLine;

/// <summary>`--quantization none|q8_0`, shared by serve, generate and bench-model.</summary>
public static class QuantizationArgument
{
    /// <exception cref="UsageException">The value is not a known quantization.</exception>
    public static WeightQuantization Read(CommandArguments args)
    {
        var text = args.String("quantization");
        return WeightQuantizationNames.TryParse(text, out var quantization)
            ? quantization
            : throw new UsageException($"--quantization must be one of {string.Join(", ", WeightQuantizationNames.All)}, got '{text}'");
    }
}

namespace Worker.Runtime.Ops.Quantization;

/// <summary>The names options and command lines use for <see cref="WeightQuantization"/>: "none" and "q8_0".</summary>
public static class WeightQuantizationNames
{
    public static IReadOnlyList<string> All { get; } = ["none", "q8_0"];

    public static string Name(WeightQuantization quantization) => quantization == WeightQuantization.Q8_0 ? "q8_0" : "none";

    /// <summary>Parses "none", "q8_0" (any case); null or empty is none.</summary>
    public static bool TryParse(string? text, out WeightQuantization quantization)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "none":
                quantization = WeightQuantization.None;
                return true;
            case "q8_0":
                quantization = WeightQuantization.Q8_0;
                return true;
            default:
                quantization = WeightQuantization.None;
                return false;
        }
    }
}

using Inference.Gguf;

namespace Worker.Runtime.Models.Gguf;

/// <summary>Typed reads of GGUF metadata that accept any integer or float width a writer chose, with errors naming the key.</summary>
internal static class GgufMetadataValues
{
    public static int? OptionalInt(GgufFile file, string key)
    {
        if (!file.Metadata.TryGet(key, out var value))
        {
            return null;
        }

        long number = value.Value switch
        {
            byte v => v,
            sbyte v => v,
            ushort v => v,
            short v => v,
            uint v => v,
            int v => v,
            ulong v when v <= int.MaxValue => (long)v,
            long v => v,
            _ => throw new InvalidDataException($"{file.Path}: '{key}' must be an integer, got {value.Type} {value.Value}."),
        };
        return number is >= int.MinValue and <= int.MaxValue
            ? (int)number
            : throw new InvalidDataException($"{file.Path}: '{key}' is {number}, out of range.");
    }

    public static int RequiredInt(GgufFile file, string key) =>
        OptionalInt(file, key) ?? throw new InvalidDataException($"{file.Path}: missing required key '{key}'.");

    public static double? OptionalDouble(GgufFile file, string key) =>
        !file.Metadata.TryGet(key, out var value) ? null : value.Value switch
        {
            float v => v,
            double v => v,
            _ => throw new InvalidDataException($"{file.Path}: '{key}' must be a float, got {value.Type} {value.Value}."),
        };

    public static string? OptionalString(GgufFile file, string key) =>
        !file.Metadata.TryGet(key, out var value) ? null : value.Value as string
            ?? throw new InvalidDataException($"{file.Path}: '{key}' must be a string, got {value.Type}.");
}

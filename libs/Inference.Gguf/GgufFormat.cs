namespace Inference.Gguf;

/// <summary>
/// The fixed parts of a GGUF v3 file (ggml's gguf.h): a header of magic, version, tensor count and key-value count;
/// the key-values; the tensor infos; padding to the alignment; then the tensor data, each tensor at an aligned
/// offset from the data start. All numbers are little-endian.
/// </summary>
public static class GgufFormat
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>The version this library writes and the only one it reads.</summary>
    public const uint Version = 3;

    /// <summary>Data alignment when the file has no general.alignment key.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>The smallest multiple of <paramref name="alignment"/> at or above <paramref name="value"/>.</summary>
    public static long Pad(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}

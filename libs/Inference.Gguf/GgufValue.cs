namespace Inference.Gguf;

/// <summary>
/// One metadata value: its type tag and the .NET value. Scalars are boxed (<see cref="uint"/>, <see cref="float"/>,
/// <see cref="bool"/>, <see cref="string"/>, ...); an array is a .NET array of its element type
/// (<c>string[]</c>, <c>int[]</c>, ...) with <see cref="ElementType"/> set. Arrays of arrays are not used by llama.cpp
/// models and are not supported.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType? ElementType = null)
{
    public static GgufValue UInt32(uint value) => new(GgufValueType.UInt32, value);
    public static GgufValue Int32(int value) => new(GgufValueType.Int32, value);
    public static GgufValue UInt64(ulong value) => new(GgufValueType.UInt64, value);
    public static GgufValue Float32(float value) => new(GgufValueType.Float32, value);
    public static GgufValue Bool(bool value) => new(GgufValueType.Bool, value);
    public static GgufValue String(string value) => new(GgufValueType.String, value);
    public static GgufValue Strings(string[] values) => new(GgufValueType.Array, values, GgufValueType.String);
    public static GgufValue Int32s(int[] values) => new(GgufValueType.Array, values, GgufValueType.Int32);
    public static GgufValue Float32s(float[] values) => new(GgufValueType.Array, values, GgufValueType.Float32);

    /// <summary>The .NET type a value of <paramref name="type"/> has (the element type for arrays).</summary>
    public static Type ClrType(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new InvalidDataException($"GGUF value type {type} has no scalar .NET type."),
    };
}

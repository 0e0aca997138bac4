namespace Worker.Runtime.Checkpoints;

/// <summary>bfloat16 is the top half of an IEEE float32; conversions are bit operations.</summary>
public static class BFloat16
{
    /// <summary>Round-to-nearest-even, NaN kept quiet.</summary>
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);
}

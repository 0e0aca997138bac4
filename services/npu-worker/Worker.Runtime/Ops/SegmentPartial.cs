namespace Worker.Runtime.Ops;

/// <summary>Where one segment chunk leaves its unnormalised outputs, max scores and exp-sums.</summary>
internal readonly unsafe struct SegmentPartial(float* output, float* maxes, float* sums)
{
    public float* Output { get; } = output;
    public float* Maxes { get; } = maxes;
    public float* Sums { get; } = sums;
}

namespace Worker.Runtime.Checkpoints;

/// <summary>Element types the loader reads.</summary>
public enum TensorDType
{
    BF16,
    F16,
    F32,
}

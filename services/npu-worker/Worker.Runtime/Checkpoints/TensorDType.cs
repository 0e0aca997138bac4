namespace Worker.Runtime.Checkpoints;

/// <summary>Element types the loader reads.</summary>
public enum TensorDType
{
    BF16,
    F16,
    F32,

    /// <summary>ggml's Q8_0 (GGUF files only): each row in blocks of an fp16 scale then 32 int8 values, 34 bytes a block.</summary>
    Q8_0,
}

namespace Worker.Runtime.Ops.Quantization;

/// <summary>How the worker holds its matrix weights after loading them.</summary>
public enum WeightQuantization
{
    /// <summary>As the checkpoint stores them: BF16 stays BF16, F16 and F32 become fp32.</summary>
    None,

    /// <summary>
    /// llama.cpp's Q8_0: each row in blocks of 32 int8 with one fp16 scale (1.0625 bytes per weight), quantized at
    /// load; the activations are quantized to the same blocks per matmul.
    /// </summary>
    Q8_0,
}

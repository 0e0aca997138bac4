using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Runtime.Ops;

/// <summary>
/// The seam through which a model turns checkpoint tensors into matrices: it applies the worker's
/// <see cref="WeightQuantization"/> (one tensor at a time, straight from the mapped file) and counts the bytes held,
/// for the load log. A model gets it from <see cref="DeviceOps.Weights"/>.
/// </summary>
public sealed class WeightLoader(WeightQuantization quantization)
{
    public WeightQuantization Quantization => quantization;

    /// <summary>Bytes of every matrix loaded through this loader.</summary>
    public long Bytes { get; private set; }

    /// <summary>One matrix holding the tensors' rows in order (<see cref="WeightMatrix.Stack"/>); each tensor's mapped pages are released once read.</summary>
    /// <exception cref="InvalidDataException">A tensor is not a 2-D matrix, or their row lengths differ.</exception>
    public WeightMatrix Matrix(params TensorView[] tensors)
    {
        var matrix = WeightMatrix.Stack(tensors, quantization);
        foreach (var tensor in tensors)
        {
            tensor.ReleaseMappedPages();
        }

        Bytes += matrix.Bytes;
        return matrix;
    }
}

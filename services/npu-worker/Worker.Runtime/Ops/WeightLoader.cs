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

    /// <exception cref="InvalidDataException">The tensor is not a 2-D matrix.</exception>
    public WeightMatrix Matrix(TensorView tensor)
    {
        var matrix = WeightMatrix.FromTensor(tensor, quantization);
        tensor.ReleaseMappedPages();
        Bytes += matrix.Bytes;
        return matrix;
    }
}

using System.Numerics.Tensors;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Embeddings;

/// <summary>
/// Folds one prompt's final-normed hidden states into one vector as its model's <see cref="PoolingMode"/> says,
/// chunk by chunk: a long prompt is computed over several steps, each handing over the rows it computed. The
/// running value is fp32, as sentence-transformers pools the model's fp32 output.
/// </summary>
internal sealed class HiddenStatePooler(PoolingMode mode, int hiddenSize)
{
    private readonly float[] _value = new float[hiddenSize];
    private int _rows;
    private double _weights;

    public PoolingMode Mode => mode;

    /// <summary>
    /// The positions among [<paramref name="next"/>, <paramref name="end"/>) whose hidden states the pooling reads,
    /// as a range (empty when none): the last prompt position for last-token pooling, position 0 for CLS, all of them
    /// otherwise.
    /// </summary>
    public static (int First, int Count) RowsNeeded(PoolingMode mode, int next, int end, int promptLength) => mode switch
    {
        PoolingMode.LastToken => end == promptLength ? (end - 1, 1) : (end, 0),
        PoolingMode.Cls => next == 0 ? (0, 1) : (next, 0),
        _ => (next, end - next),
    };

    /// <summary>Adds the hidden states of consecutive positions from <paramref name="firstPosition"/> (0-based), one row of hidden_size each.</summary>
    public void Add(ReadOnlySpan<float> rows, int firstPosition)
    {
        for (int r = 0; r < rows.Length / hiddenSize; r++)
        {
            var row = rows.Slice(r * hiddenSize, hiddenSize);
            switch (mode)
            {
                case PoolingMode.LastToken:
                case PoolingMode.Cls:
                    row.CopyTo(_value);
                    break;
                case PoolingMode.Max:
                    if (_rows == 0)
                    {
                        row.CopyTo(_value);
                    }
                    else
                    {
                        TensorPrimitives.Max(_value, row, _value);
                    }

                    break;
                case PoolingMode.WeightedMean:
                    // sentence-transformers weighs position i (1-based) by i.
                    int weight = firstPosition + r + 1;
                    TensorPrimitives.MultiplyAdd(row, weight, _value, _value);
                    _weights += weight;
                    break;
                default:
                    TensorPrimitives.Add(_value, row, _value);
                    _weights += 1;
                    break;
            }

            _rows++;
        }
    }

    /// <summary>The pooled vector, once every position the mode reads was added.</summary>
    /// <exception cref="InvalidOperationException">No hidden state was added (the step plan skipped the positions it pools).</exception>
    public float[] Result()
    {
        if (_rows == 0)
        {
            throw new InvalidOperationException($"{mode} pooling received no hidden states.");
        }

        var result = (float[])_value.Clone();
        float divisor = mode switch
        {
            PoolingMode.Mean or PoolingMode.WeightedMean => (float)_weights,
            PoolingMode.MeanSqrtLength => MathF.Sqrt((float)_weights),
            _ => 1f,
        };
        if (divisor != 1f)
        {
            TensorPrimitives.Divide(result, divisor, result);
        }

        return result;
    }
}

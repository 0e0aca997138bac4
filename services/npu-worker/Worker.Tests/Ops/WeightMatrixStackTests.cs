using System.Runtime.InteropServices;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Tests.Ops;

/// <summary>Several tensors held as one matrix (stacked QKV and gate/up): rows in order, one format, matching row lengths.</summary>
public sealed unsafe class WeightMatrixStackTests
{
    [Theory]
    [InlineData(Bf16Layout.Rows, 3, 2)]
    [InlineData(Bf16Layout.Panels, 3, 2)]
    [InlineData(Bf16Layout.Panels, 13, 22)]
    public void Stack_Bf16Parts_HoldsEachPartsRowsInOrder(Bf16Layout layout, int firstRows, int secondRows)
    {
        using var first = Bf16Tensor("a", firstRows, 40, seed: 1);
        using var second = Bf16Tensor("b", secondRows, 40, seed: 2);
        var matrix = WeightMatrix.Stack([first.View, second.View], WeightQuantization.None, layout);

        int rows = firstRows + secondRows;
        Assert.Equal((rows, 40, "bf16", layout, rows * 40L * sizeof(ushort)), (matrix.Rows, matrix.Cols, matrix.Format, matrix.Bf16Layout, matrix.Bytes));
        var row = new float[40];
        for (int r = 0; r < rows; r++)
        {
            matrix.CopyRow(r, row);
            var source = r < firstRows ? first : second;
            Assert.Equal(source.Row(r < firstRows ? r : r - firstRows), row);
        }
    }

    [Fact]
    public void Stack_WithQuantization_EachRowEqualsItsPartQuantizedAlone()
    {
        using var first = Bf16Tensor("a", 2, 70, seed: 3);
        using var second = Bf16Tensor("b", 3, 70, seed: 4);
        var stacked = WeightMatrix.Stack([first.View, second.View], WeightQuantization.Q8_0);
        var alone = WeightMatrix.FromTensor(second.View, WeightQuantization.Q8_0);

        Assert.Equal((5, "q8_0"), (stacked.Rows, stacked.Format));
        int length = stacked.Q8RowLength, blocks = length / Q8Block.Size;
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(new ReadOnlySpan<sbyte>(alone.Q8Row(r), length).ToArray(), new ReadOnlySpan<sbyte>(stacked.Q8Row(2 + r), length).ToArray());
            Assert.Equal(new ReadOnlySpan<ushort>(alone.Q8RowScales(r), blocks).ToArray(), new ReadOnlySpan<ushort>(stacked.Q8RowScales(2 + r), blocks).ToArray());
        }
    }

    [Fact]
    public void Stack_DifferentRowLengths_ThrowsNamingBothTensors()
    {
        using var first = Bf16Tensor("q_proj", 2, 32, seed: 5);
        using var second = Bf16Tensor("k_proj", 2, 64, seed: 6);

        var error = Assert.Throws<InvalidDataException>(() => WeightMatrix.Stack([first.View, second.View], WeightQuantization.None));

        Assert.Contains("'k_proj'", error.Message);
        Assert.Contains("'q_proj'", error.Message);
    }

    private static Bf16Buffer Bf16Tensor(string name, int rows, int cols, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return new Bf16Buffer(name, rows, cols, values);
    }

    /// <summary>BF16 rows in native memory, as a mapped checkpoint holds them.</summary>
    private sealed class Bf16Buffer : IDisposable
    {
        private readonly ushort* _data;
        private readonly int _cols;

        public Bf16Buffer(string name, int rows, int cols, float[] values)
        {
            _cols = cols;
            _data = (ushort*)NativeMemory.Alloc((nuint)(rows * cols), sizeof(ushort));
            for (int i = 0; i < values.Length; i++)
            {
                _data[i] = BFloat16.FromSingle(values[i]);
            }

            View = new TensorView(name, TensorDType.BF16, [rows, cols], (byte*)_data);
        }

        public TensorView View { get; }

        public float[] Row(int r) => Enumerable.Range(0, _cols).Select(i => BFloat16.ToSingle(_data[r * _cols + i])).ToArray();

        public void Dispose() => NativeMemory.Free(_data);
    }
}

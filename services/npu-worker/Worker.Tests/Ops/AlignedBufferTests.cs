using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

public sealed unsafe class AlignedBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(33)]
    [InlineData(4096)]
    public void Pointer_StartsOnACacheLineAndCoversTheLength(int length)
    {
        for (int i = 0; i < 8; i++)
        {
            var buffer = new AlignedBuffer<ushort>(length + i);
            Assert.Equal(0, (long)buffer.Pointer % AlignedBuffer<ushort>.Alignment);
            Assert.Equal(length + i, buffer.Span.Length);
            buffer.Span.Fill(7);
            Assert.Equal(7, buffer.Pointer[length + i - 1]);
        }
    }
}

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

    /// <summary>
    /// Buffers from the huge-page slabs start on cache lines, one after another without overlapping (each filled with
    /// its own value keeps it), and a buffer larger than a slab gets one of its own.
    /// </summary>
    [Fact]
    public void HugePageBuffers_StartOnCacheLinesAndNeverOverlap()
    {
        int[] lengths = [1, 33, 4096, 1 << 20, 40 << 20, 3, 80 << 20, 17];
        var buffers = lengths.Select(length => new AlignedBuffer<byte>(length, hugePages: true)).ToArray();
        for (int i = 0; i < buffers.Length; i++)
        {
            Assert.Equal(0, (long)buffers[i].Pointer % AlignedBuffer<byte>.Alignment);
            Assert.Equal(lengths[i], buffers[i].Span.Length);
            buffers[i].Span.Fill((byte)(i + 1));
        }

        for (int i = 0; i < buffers.Length; i++)
        {
            Assert.Equal((byte)(i + 1), buffers[i].Span[0]);
            Assert.Equal((byte)(i + 1), buffers[i].Span[^1]);
        }
    }
}

using Worker.Runtime.Ops;

namespace Worker.Runtime.Kv;

/// <summary>
/// The worker's KV memory: per layer, fixed-size blocks addressed by the block ids the scheduler assigns.
/// The worker never allocates blocks itself; it writes the slots it is told and reads through block tables.
/// </summary>
public sealed class PagedKvCache
{
    private readonly KvLayer[] _layers;

    public PagedKvCache(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim)
    {
        NumBlocks = numBlocks;
        BlockSize = blockSize;
        _layers = new KvLayer[numLayers];
        for (int i = 0; i < numLayers; i++)
        {
            _layers[i] = new KvLayer(numBlocks, blockSize, numKvHeads, headDim);
        }
    }

    public int NumBlocks { get; }
    public int BlockSize { get; }

    public KvLayer Layer(int index) => _layers[index];

    /// <summary>Bytes one block takes over all layers: K and V, fp32.</summary>
    public static long BytesPerBlock(int numLayers, int blockSize, int numKvHeads, int headDim) =>
        2L * numLayers * blockSize * numKvHeads * headDim * sizeof(float);

    /// <summary>How many blocks fit in a memory budget (at least one).</summary>
    public static int BlocksForBudget(long budgetBytes, int numLayers, int blockSize, int numKvHeads, int headDim)
    {
        long blocks = budgetBytes / BytesPerBlock(numLayers, blockSize, numKvHeads, headDim);
        return (int)Math.Clamp(blocks, 1, int.MaxValue / ((long)blockSize * numKvHeads * headDim));
    }
}

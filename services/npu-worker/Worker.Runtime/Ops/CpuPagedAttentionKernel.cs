using System.Numerics.Tensors;

namespace Worker.Runtime.Ops;

/// <summary>
/// softmax(q k^T / sqrt(d)) v per token over positions 0..pos of its own sequence, reading K and V through
/// the sequence's block table. One chunk = (token, KV head): the query heads sharing that KV head are
/// scored together, so each cached key is read once per group. Scores live in per-thread scratch.
/// </summary>
public sealed unsafe class CpuPagedAttentionKernel : IPagedAttentionKernel, IParallelWork
{
    private readonly ComputeThreadPool _pool;
    private readonly ISoftmaxKernel _softmax;
    private readonly float[][] _scratch;
    private readonly int _maxContext;
    private float* _query;
    private float* _output;
    private ForwardBatch? _batch;
    private KvLayer? _kv;
    private int _numHeads;

    public CpuPagedAttentionKernel(ComputeThreadPool pool, ISoftmaxKernel softmax, int maxContextLength, int queryHeadsPerKvHead)
    {
        _pool = pool;
        _softmax = softmax;
        _maxContext = maxContextLength;
        _scratch = new float[pool.WorkerCount][];
        for (int i = 0; i < _scratch.Length; i++)
        {
            _scratch[i] = new float[(long)maxContextLength * queryHeadsPerKvHead];
        }
    }

    public void Attend(ReadOnlySpan<float> query, Span<float> output, ForwardBatch batch, KvLayer kv, int numHeads)
    {
        fixed (float* q = query)
        fixed (float* o = output)
        {
            _query = q;
            _output = o;
            _batch = batch;
            _kv = kv;
            _numHeads = numHeads;
            _pool.Run(this, batch.TokenCount * kv.NumKvHeads);
            _batch = null;
            _kv = null;
        }
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        var kv = _kv!;
        var batch = _batch!;
        int token = chunkIndex / kv.NumKvHeads;
        int kvHead = chunkIndex % kv.NumKvHeads;
        int d = kv.HeadDim;
        int group = _numHeads / kv.NumKvHeads;
        int context = batch.Positions[token] + 1;
        if (context > _maxContext)
        {
            throw new InvalidOperationException($"Position {context - 1} exceeds the attention scratch of {_maxContext} tokens.");
        }

        var blockTable = batch.BlockTable(batch.SequenceOfToken[token]);
        int blockSize = kv.BlockSize;
        float scale = 1f / MathF.Sqrt(d);
        var scores = _scratch[workerIndex];
        int firstHead = kvHead * group;
        float* queryBase = _query + ((long)token * _numHeads + firstHead) * d;

        for (int j = 0; j < context; j++)
        {
            long slot = (long)blockTable[j / blockSize] * blockSize + j % blockSize;
            var key = new ReadOnlySpan<float>(kv.Keys + slot * kv.SlotStride + kvHead * d, d);
            for (int g = 0; g < group; g++)
            {
                scores[g * context + j] = TensorPrimitives.Dot(new ReadOnlySpan<float>(queryBase + g * d, d), key) * scale;
            }
        }

        for (int g = 0; g < group; g++)
        {
            _softmax.Softmax(scores.AsSpan(g * context, context));
            new Span<float>(_output + ((long)token * _numHeads + firstHead + g) * d, d).Clear();
        }

        for (int j = 0; j < context; j++)
        {
            long slot = (long)blockTable[j / blockSize] * blockSize + j % blockSize;
            var value = new ReadOnlySpan<float>(kv.Values + slot * kv.SlotStride + kvHead * d, d);
            for (int g = 0; g < group; g++)
            {
                var output = new Span<float>(_output + ((long)token * _numHeads + firstHead + g) * d, d);
                TensorPrimitives.MultiplyAdd(value, scores[g * context + j], output, output);
            }
        }
    }
}

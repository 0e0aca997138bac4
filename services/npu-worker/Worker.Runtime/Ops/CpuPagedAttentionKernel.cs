using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// softmax(q k^T / sqrt(d)) v per token over positions 0..pos of its own sequence, reading K and V through
/// the sequence's block table. One chunk = (token, KV head): the query heads sharing that KV head are
/// scored together, so each cached key is read once per group. Scores live in per-thread scratch.
/// The per-position dot and axpy over one head (64 or 128 floats) are inlined Vector256 loops: a library call
/// per (position, head) cost more than the arithmetic it did.
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
            float* key = kv.Keys + slot * kv.SlotStride + kvHead * d;
            for (int g = 0; g < group; g++)
            {
                scores[g * context + j] = Dot(queryBase + g * d, key, d) * scale;
            }
        }

        for (int g = 0; g < group; g++)
        {
            _softmax.Softmax(scores.AsSpan(g * context, context));
            new Span<float>(_output + ((long)token * _numHeads + firstHead + g) * d, d).Clear();
        }

        float* outputBase = _output + ((long)token * _numHeads + firstHead) * d;
        fixed (float* weights = scores)
        {
            for (int j = 0; j < context; j++)
            {
                long slot = (long)blockTable[j / blockSize] * blockSize + j % blockSize;
                float* value = kv.Values + slot * kv.SlotStride + kvHead * d;
                for (int g = 0; g < group; g++)
                {
                    MultiplyAdd(value, weights[g * context + j], outputBase + g * d, d);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int n)
    {
        Vector256<float> s0 = default, s1 = default;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), s1);
        }

        for (; i + 8 <= n; i += 8)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
        }

        float sum = Vector256.Sum(s0 + s1);
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>y += a * x over n floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(float* x, float a, float* y, int n)
    {
        var av = Vector256.Create(a);
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            Vector256.FusedMultiplyAdd(Vector256.Load(x + i), av, Vector256.Load(y + i)).Store(y + i);
        }

        for (; i < n; i++)
        {
            y[i] += a * x[i];
        }
    }
}

using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// softmax(q k^T / sqrt(d)) v per token over positions 0..pos of its own sequence, reading K and V through
/// the sequence's block table. One chunk = (token, KV head, context segment): the query heads sharing a KV
/// head are scored together, a KV block at a time, against its keys stored transposed (<see cref="AttentionScores"/>:
/// 16 or 8 keys per vector, up to eight heads per pass; <see cref="AttentionValues"/>: 64 value rows per
/// register-resident output). When tokens x KV
/// heads are too few to keep every thread busy (decode), long contexts are split into segments
/// (flash-decoding): each segment leaves its own max, exp-sum and unnormalised output, merged afterwards by
/// log-sum-exp (<see cref="AttentionSegments"/>). The range's work is compiled per element type of the cache
/// (<see cref="IKvElements"/>), fp32 or bfloat16.
/// </summary>
public sealed unsafe class CpuPagedAttentionKernel : IPagedAttentionKernel, IParallelWork
{
    /// <summary>Value rows whose weighted sum is accumulated per output load/store.</summary>
    private const int ValueTile = 64;

    /// <summary>Query heads whose outputs <see cref="AttentionValues.AccumulateValuesFour"/> sums in one pass.</summary>
    private const int WideHeads = 4;

    private readonly ComputeThreadPool _pool;
    /// <summary>The AVX-512 path: 16 keys per score vector and four heads per 512-bit value pass.</summary>
    private readonly bool _wide;
    /// <summary>Per-thread scores and padding-head outputs, on cache lines of their own (<see cref="AlignedBuffer{T}"/>).</summary>
    private readonly AlignedBuffer<float>[] _scratch;
    private readonly AlignedBuffer<float>[] _paddingOutputs;
    private readonly float[] _zeroWeights = GC.AllocateArray<float>(ValueTile, pinned: true);
    private readonly int _maxContext;
    private readonly int _queryHeadsPerKvHead;
    private readonly AttentionSegments _segments;
    private float* _query;
    private float* _output;
    private ForwardBatch? _batch;
    private KvLayer? _kv;
    private int _numHeads;
    private int _segmentCount;

    public CpuPagedAttentionKernel(ComputeThreadPool pool, int maxContextLength, int queryHeadsPerKvHead)
        : this(pool, maxContextLength, queryHeadsPerKvHead, CpuIsaSelection.Selected)
    {
    }

    /// <summary>
    /// On the AVX-512 path the values of four query heads are summed in one pass on 512-bit vectors
    /// (<see cref="AttentionValues.AccumulateValuesFour"/>); a group of 3 (mod 4) heads runs its last pass with a fourth,
    /// zero-weight head into scratch. Seven heads x 192 keys in L1 (Zen 5): 1.02 us against 1.77 in 256-bit passes of two;
    /// one token at context 4000 (group 7, 2 threads), alternated with the 256-bit path: 0.25-0.28 ms a layer with the
    /// KV from memory against 0.30-0.31, 0.13-0.15 ms in cache against 0.15-0.16.
    /// </summary>
    public CpuPagedAttentionKernel(ComputeThreadPool pool, int maxContextLength, int queryHeadsPerKvHead, CpuIsa isa)
    {
        _pool = pool;
        _wide = isa == CpuIsa.Avx512;
        _paddingOutputs = [.. Enumerable.Repeat(AlignedBuffer<float>.Empty, pool.WorkerCount)];
        _maxContext = maxContextLength;
        _segments = new AttentionSegments(pool.WorkerCount);
        _scratch = [.. Enumerable.Repeat(AlignedBuffer<float>.Empty, pool.WorkerCount)];
        _queryHeadsPerKvHead = queryHeadsPerKvHead;
    }

    public void Attend(ReadOnlySpan<float> query, Span<float> output, ForwardBatch batch, KvLayer kv, int numHeads)
    {
        int pairs = batch.TokenCount * kv.NumKvHeads;
        fixed (float* q = query)
        fixed (float* o = output)
        {
            _query = q;
            _output = o;
            _batch = batch;
            _kv = kv;
            _numHeads = numHeads;
            EnsureScoreScratch(numHeads / kv.NumKvHeads, kv);
            _segmentCount = _segments.Plan(batch, kv.NumKvHeads, numHeads / kv.NumKvHeads, kv.HeadDim);
            _pool.Run(this, pairs * _segmentCount);
            if (_segmentCount > 1)
            {
                _segments.Merge(o, pairs, _segmentCount, numHeads / kv.NumKvHeads, kv.HeadDim);
            }

            _batch = null;
            _kv = null;
        }
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        var kv = _kv!;
        var batch = _batch!;
        int pair = chunkIndex / _segmentCount;
        int segment = chunkIndex % _segmentCount;
        int token = pair / kv.NumKvHeads;
        int kvHead = pair % kv.NumKvHeads;
        int d = kv.HeadDim;
        int group = _numHeads / kv.NumKvHeads;
        int context = batch.Positions[token] + 1;
        if (context > _maxContext)
        {
            throw new InvalidOperationException($"Position {context - 1} exceeds the attention scratch of {_maxContext} tokens.");
        }

        float* query = _query + ((long)token * _numHeads + kvHead * group) * d;
        float* scores = _scratch[workerIndex].Pointer;
        if (_segmentCount == 1)
        {
            float* output = _output + ((long)token * _numHeads + kvHead * group) * d;
            float* maxes = stackalloc float[group];
            float* sums = stackalloc float[group];
            AttendRange(batch, kv, token, kvHead, query, 0, context, output, maxes, sums, scores, workerIndex);
            for (int g = 0; g < group; g++)
            {
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(output + g * d, d), 1f / sums[g], new Span<float>(output + g * d, d));
            }

            return;
        }

        int length = AttentionSegments.Length(context, _segmentCount);
        int start = Math.Min(context, segment * length);
        int end = Math.Min(context, start + length);
        var partial = _segments.Partial(chunkIndex, group, d);
        AttendRange(batch, kv, token, kvHead, query, start, end, partial.Output, partial.Maxes, partial.Sums, scores, workerIndex);
    }

    /// <summary>
    /// For each of the group's query heads g: maxes[g] = max score over positions [start, end), sums[g] = sum of
    /// exp(score - max), output[g] = sum of exp(score - max) * v (not yet divided by sums[g]).
    /// </summary>
    /// <summary>
    /// Scores of a group's heads over a context, each head's row long enough for whole blocks from the one holding the
    /// first position (<see cref="ScoreStride"/>). Grown here, before the threads run, for the block size in use.
    /// </summary>
    private void EnsureScoreScratch(int group, KvLayer kv)
    {
        long floats = (long)Math.Max(group, _queryHeadsPerKvHead) * ScoreStride(0, _maxContext, kv);
        if (_scratch[0].Length < floats)
        {
            for (int w = 0; w < _scratch.Length; w++)
            {
                _scratch[w] = new AlignedBuffer<float>(checked((int)floats));
            }
        }
    }

    /// <summary>Floats per head row of scores for positions [start, end): whole blocks from start's, the last one's lanes padded.</summary>
    private static int ScoreStride(int start, int end, KvLayer kv)
    {
        int first = start - start % kv.BlockSize;
        int blocks = (end - first + kv.BlockSize - 1) / kv.BlockSize;
        return (blocks - 1) * kv.BlockSize + kv.KeyPitch;
    }

    /// <summary>This worker's scratch for a padding head's output (never read), grown to the head size.</summary>
    private float* PaddingOutput(int workerIndex, int d)
    {
        if (_paddingOutputs[workerIndex].Length < d)
        {
            _paddingOutputs[workerIndex] = new AlignedBuffer<float>(d);
        }

        return _paddingOutputs[workerIndex].Pointer;
    }

    private void AttendRange(
        ForwardBatch batch, KvLayer kv, int token, int kvHead, float* query, int start, int end,
        float* output, float* maxes, float* sums, float* scores, int workerIndex)
    {
        if (kv.DType == Kv.KvCacheDType.BFloat16)
        {
            AttendRange<Bf16KvElements>(batch, kv, token, kvHead, query, start, end, output, maxes, sums, scores, workerIndex);
        }
        else
        {
            AttendRange<Fp32KvElements>(batch, kv, token, kvHead, query, start, end, output, maxes, sums, scores, workerIndex);
        }
    }

    private void AttendRange<TKv>(
        ForwardBatch batch, KvLayer kv, int token, int kvHead, float* query, int start, int end,
        float* output, float* maxes, float* sums, float* scores, int workerIndex)
        where TKv : struct, IKvElements
    {
        int d = kv.HeadDim;
        int group = _numHeads / kv.NumKvHeads;
        int length = end - start;
        new Span<float>(output, group * d).Clear();
        if (length == 0)
        {
            new Span<float>(maxes, group).Fill(float.NegativeInfinity);
            new Span<float>(sums, group).Clear();
            return;
        }

        var blockTable = batch.BlockTable(batch.SequenceOfToken[token]);
        var rows = new SlotRows(blockTable, kv, kvHead);
        byte** tile = stackalloc byte*[ValueTile];
        float scale = 1f / MathF.Sqrt(d);
        byte** valuesAhead = stackalloc byte*[ValueTile];
        float** wideOutputs = stackalloc float*[WideHeads];
        float** wideWeights = stackalloc float*[WideHeads];
        float* paddingOutput = PaddingOutput(workerIndex, d);
        float* zeroWeights = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_zeroWeights));

        // Scores block by block from the block holding start; row g of the scores starts at that block's first position,
        // so position j's score is at scores[g * stride + lead + (j - start)].
        int blockSize = kv.BlockSize;
        int firstBlockStart = start - start % blockSize;
        int lead = start - firstBlockStart;
        int stride = ScoreStride(start, end, kv);
        // The next block's keys are read into L1 as this block's are scored (a sequence's blocks lie anywhere, and the
        // hardware prefetchers do not cross into the next block's page), and the next tile's value rows as this
        // tile's are summed: AttentionScores.Heads and AttentionValues say why spread out so. Both together against
        // both fetched all at once, builds alternated (24 layers in turn, blocks shuffled, 2 threads, Zen 5), us a
        // layer: one sequence at context 4000 fp32 201-207 -> 163-168, bfloat16 123-137 -> 109-118 (AVX2 path
        // 268-288 -> 212-217 and 195-203 -> 183-195); 16 at context 600 fp32 525-542 -> 437-440, bfloat16 374-377 -> 338-345.
        int rowBytes = d * TKv.Bytes;
        for (int b = firstBlockStart; b < end; b += blockSize)
        {
            byte* nextKeys = b + blockSize < end ? kv.KeyColumns(blockTable[(b + blockSize) / blockSize], kvHead) : null;
            int count = Math.Min(blockSize, end - b);
            AttentionScores.ScoreBlock<TKv>(query, d, group, kv.KeyColumns(blockTable[b / blockSize], kvHead), kv.KeyPitch, count, scale,
                scores + (b - firstBlockStart), stride, _wide, nextKeys);
        }

        scores += lead;
        for (int g = 0; g < group; g++)
        {
            var row = new Span<float>(scores + g * stride, length);
            float max = TensorPrimitives.Max(row);
            maxes[g] = max;
            sums[g] = FastExp.ExpShiftedSum(row, max);
        }

        // Each tile's rows are resolved once: as the tile ahead (and prefetched), then used when their turn comes.
        rows.Resolve(kv.Values, start, Math.Min(ValueTile, length), tile);
        for (int j = start; j < end; j += ValueTile)
        {
            int count = Math.Min(ValueTile, end - j);
            var ahead = AttentionValues.RowsAhead.None;
            if (j + ValueTile < end)
            {
                int next = Math.Min(ValueTile, end - j - ValueTile);
                rows.Resolve(kv.Values, j + ValueTile, next, valuesAhead);
                ahead = new AttentionValues.RowsAhead(valuesAhead, next, rowBytes);
            }

            int g = 0;
            if (_wide && d % 64 == 0)
            {
                for (; g + WideHeads - 1 <= group; g += WideHeads)
                {
                    for (int h = 0; h < WideHeads; h++)
                    {
                        bool padding = g + h >= group;
                        wideOutputs[h] = padding ? paddingOutput : output + (g + h) * d;
                        wideWeights[h] = padding ? zeroWeights : scores + (g + h) * stride + (j - start);
                    }

                    AttentionValues.AccumulateValuesFour<TKv>(wideOutputs, wideWeights, tile, count, d, ahead);
                    ahead = AttentionValues.RowsAhead.None;
                }
            }

            for (; g + 2 <= group; g += 2)
            {
                AttentionValues.AccumulateValuesTwice<TKv>(
                    output + g * d, output + (g + 1) * d, scores + g * stride + (j - start), scores + (g + 1) * stride + (j - start), tile, count, d, ahead);
                ahead = AttentionValues.RowsAhead.None;
            }

            for (; g < group; g++)
            {
                AttentionValues.AccumulateValues<TKv>(output + g * d, scores + g * stride + (j - start), tile, count, d, ahead);
                ahead = AttentionValues.RowsAhead.None;
            }

            byte** used = tile;
            tile = valuesAhead;
            valuesAhead = used;
        }
    }
}

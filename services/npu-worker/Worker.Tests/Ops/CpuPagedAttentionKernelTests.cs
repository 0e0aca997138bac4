using Worker.Runtime.Checkpoints;
using Worker.Runtime.Kv;
using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>
/// Paged attention against a double-precision scalar reference on shapes chosen to hit every edge: head
/// sizes that are and are not multiples of the 8- and 64-float vectors, group sizes 1, 2 and 7, contexts
/// shorter than one 8-key tile, not a multiple of it, crossing many shuffled KV blocks, and long enough to
/// be split into flash-decoding segments on two threads (and not split on one); groups of 7 and 4 (the four-head value
/// passes of the AVX-512 path, with a zero-weight padding head for 7) and groups below four. A bfloat16 cache is held to
/// the same reference over the keys and values it stores (each rounded to bfloat16): reading it back widens them exactly.
/// </summary>
public sealed class CpuPagedAttentionKernelTests
{
    private const float Tolerance = 2e-5f;

    public static TheoryData<int, int, int, int, int, KvCacheDType> DecodeShapes => new()
    {
        // headDim, kvHeads, group, context, threads, the cache's element type
        { 64, 2, 7, 1, 2, KvCacheDType.Float32 },
        { 64, 2, 7, 15, 2, KvCacheDType.Float32 },
        { 64, 2, 7, 17, 2, KvCacheDType.Float32 },
        { 64, 2, 7, 300, 2, KvCacheDType.Float32 },
        { 64, 2, 7, 5000, 2, KvCacheDType.Float32 },
        { 64, 2, 7, 5000, 1, KvCacheDType.Float32 },
        { 64, 1, 1, 5000, 2, KvCacheDType.Float32 },
        { 128, 1, 2, 300, 2, KvCacheDType.Float32 },
        { 128, 2, 4, 300, 2, KvCacheDType.Float32 },
        { 64, 1, 8, 1000, 2, KvCacheDType.Float32 },
        { 72, 3, 2, 5000, 2, KvCacheDType.Float32 },
        { 24, 1, 7, 17, 1, KvCacheDType.Float32 },
        { 13, 2, 2, 300, 2, KvCacheDType.Float32 },
        { 8, 3, 1, 1, 2, KvCacheDType.Float32 },
        { 64, 2, 7, 1, 2, KvCacheDType.BFloat16 },
        { 64, 2, 7, 17, 2, KvCacheDType.BFloat16 },
        { 64, 2, 7, 5000, 2, KvCacheDType.BFloat16 },
        { 64, 1, 8, 1000, 2, KvCacheDType.BFloat16 },
        { 128, 2, 4, 300, 2, KvCacheDType.BFloat16 },
        { 72, 3, 2, 5000, 2, KvCacheDType.BFloat16 },
        { 24, 1, 7, 17, 1, KvCacheDType.BFloat16 },
        { 13, 2, 2, 300, 2, KvCacheDType.BFloat16 },
    };

    [Theory]
    [MemberData(nameof(DecodeShapes))]
    public void Attend_OneDecodeToken_MatchesScalarReference(int headDim, int kvHeads, int group, int context, int threads, KvCacheDType dtype)
    {
        var scene = new AttentionScene(headDim, kvHeads, group, seed: headDim * 31 + context, dtype: dtype);
        scene.AddSequence(tokenPositions: [context - 1], contextLength: context);

        scene.AssertMatchesReference(threads);
    }

    [Theory]
    [InlineData(64, 2, 7, 0, 40, 2, 16, KvCacheDType.Float32)]
    [InlineData(64, 2, 7, 280, 20, 2, 16, KvCacheDType.Float32)]
    [InlineData(72, 3, 2, 0, 33, 1, 16, KvCacheDType.Float32)]
    [InlineData(13, 1, 2, 1000, 9, 2, 16, KvCacheDType.Float32)]
    [InlineData(64, 2, 7, 280, 20, 2, 16, KvCacheDType.BFloat16)]
    [InlineData(13, 1, 2, 1000, 9, 2, 16, KvCacheDType.BFloat16)]
    [InlineData(64, 2, 7, 0, 40, 2, 5, KvCacheDType.BFloat16)]
    [InlineData(64, 2, 7, 990, 10, 1, 24, KvCacheDType.BFloat16)]
    public void Attend_PrefillTokens_EachSeesItsOwnContextLength(int headDim, int kvHeads, int group, int firstPosition, int tokens, int threads,
        int blockSize, KvCacheDType dtype)
    {
        var scene = new AttentionScene(headDim, kvHeads, group, seed: firstPosition + tokens, blockSize, dtype);
        scene.AddSequence(Enumerable.Range(firstPosition, tokens).ToArray(), contextLength: firstPosition + tokens);

        scene.AssertMatchesReference(threads);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(2, 1)]
    public void Attend_SequencesOfVeryDifferentLengthsInOneBatch_MatchReference(int kvHeads, int threads)
    {
        var scene = new AttentionScene(headDim: 64, kvHeads, group: 7, seed: 7 + kvHeads);
        scene.AddSequence(tokenPositions: [4999], contextLength: 5000);
        scene.AddSequence(tokenPositions: [16], contextLength: 17);
        scene.AddSequence(tokenPositions: [700, 701], contextLength: 702);

        scene.AssertMatchesReference(threads);
    }

    /// <summary>
    /// Other block sizes: keys are stored transposed per block with the lanes padded to whole vectors (24 and 5 leave
    /// padding lanes; 1 is a block per position). Everything a step has not written, padding lanes included, holds NaN,
    /// so a score or value read from it would show.
    /// </summary>
    [Theory]
    [InlineData(1, 40, 2)]
    [InlineData(5, 17, 2)]
    [InlineData(5, 1000, 2)]
    [InlineData(24, 1, 1)]
    [InlineData(24, 300, 2)]
    [InlineData(24, 5000, 2)]
    [InlineData(32, 5000, 2)]
    [InlineData(32, 33, 1)]
    public void Attend_OtherBlockSizes_ReadOnlyWrittenSlots(int blockSize, int context, int threads)
    {
        var scene = new AttentionScene(headDim: 64, kvHeads: 2, group: 7, seed: blockSize * 13 + context, blockSize);
        scene.AddSequence(tokenPositions: [context - 1], contextLength: context);
        scene.AddSequence(tokenPositions: [Math.Max(0, context / 3 - 1), context / 3], contextLength: context / 3 + 1);

        scene.AssertMatchesReference(threads);
    }

    [Fact]
    public void Attend_RepeatedOnTheSameKernel_GivesTheSameResult()
    {
        var scene = new AttentionScene(headDim: 64, kvHeads: 2, group: 7, seed: 3);
        scene.AddSequence(tokenPositions: [2999], contextLength: 3000);
        using var pool = new ComputeThreadPool(2);
        var kernel = new CpuPagedAttentionKernel(pool, scene.MaxContext, 7);

        var first = scene.Run(kernel);
        var second = scene.Run(kernel);

        Assert.Equal(first, second);
    }

    /// <summary>
    /// A KV layer of random keys and values, sequences on shuffled blocks, and random queries. Each sequence's positions
    /// below its context length are written; the rest of the layer's memory holds NaN. In a bfloat16 layer the keys and
    /// values are bfloat16 numbers already, so the reference sees what the layer stores.
    /// </summary>
    private sealed unsafe class AttentionScene
    {
        private const int NumBlocks = 800;
        private readonly int _blockSize;
        private readonly int _headDim;
        private readonly int _kvHeads;
        private readonly int _group;
        private readonly Random _random;
        private readonly KvLayer _kv;
        private readonly float[] _keys;
        private readonly float[] _values;
        private readonly Queue<int> _freeBlocks;
        private readonly ForwardBatch _batch = new();
        private readonly List<float> _query = [];

        public AttentionScene(int headDim, int kvHeads, int group, int seed, int blockSize = 16, KvCacheDType dtype = KvCacheDType.Float32)
        {
            _blockSize = blockSize;
            _headDim = headDim;
            _kvHeads = kvHeads;
            _group = group;
            _random = new Random(seed);
            _kv = new KvLayer(NumBlocks, _blockSize, kvHeads, headDim, dtype);
            _keys = RandomValues(NumBlocks * _blockSize * kvHeads * headDim, 1f);
            _values = RandomValues(_keys.Length, 1f);
            if (dtype == KvCacheDType.BFloat16)
            {
                RoundToBfloat16(_keys);
                RoundToBfloat16(_values);
            }

            // A quiet NaN in bfloat16, and in fp32 as two of them side by side.
            new Span<ushort>(_kv.Keys, checked((int)(_kv.KeyBytes / 2))).Fill(0x7FC0);
            new Span<ushort>(_kv.Values, checked((int)(_kv.ValueBytes / 2))).Fill(0x7FC0);

            _freeBlocks = new Queue<int>(Enumerable.Range(0, NumBlocks).OrderBy(_ => _random.Next()));
        }

        public int MaxContext => 5000;

        private int NumHeads => _kvHeads * _group;

        public void AddSequence(int[] tokenPositions, int contextLength)
        {
            var table = new int[(contextLength + _blockSize - 1) / _blockSize];
            for (int i = 0; i < table.Length; i++)
            {
                table[i] = _freeBlocks.Dequeue();
            }

            for (int j = 0; j < contextLength; j++)
            {
                int slot = table[j / _blockSize] * _blockSize + j % _blockSize;
                _kv.Write(slot, _keys.AsSpan(slot * _kv.SlotStride, _kv.SlotStride), _values.AsSpan(slot * _kv.SlotStride, _kv.SlotStride));
            }

            _batch.AddSequence(table);
            foreach (int position in tokenPositions)
            {
                _batch.AddToken(0, position, _blockSize);
                _query.AddRange(RandomValues(NumHeads * _headDim, 3f));
            }
        }

        public float[] Run(CpuPagedAttentionKernel kernel)
        {
            var output = new float[_query.Count];
            kernel.Attend(_query.ToArray(), output, _batch, _kv, NumHeads);
            return output;
        }

        /// <summary>On every instruction-set path the machine runs (four-head 512-bit value passes on AVX-512).</summary>
        public void AssertMatchesReference(int threads)
        {
            using var pool = new ComputeThreadPool(threads);
            var expected = Reference();
            foreach (var isa in CpuIsaSelection.Supported)
            {
                var actual = Run(new CpuPagedAttentionKernel(pool, MaxContext, _group, isa));
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(
                        Math.Abs(actual[i] - expected[i]) <= Tolerance,
                        $"{isa}: output[{i}] (token {i / (NumHeads * _headDim)}): {actual[i]} vs reference {expected[i]}");
                }
            }
        }

        private double[] Reference()
        {
            var output = new double[_query.Count];
            double scale = 1 / Math.Sqrt(_headDim);
            for (int token = 0; token < _batch.TokenCount; token++)
            {
                var table = _batch.BlockTable(_batch.SequenceOfToken[token]);
                int context = _batch.Positions[token] + 1;
                for (int head = 0; head < NumHeads; head++)
                {
                    int queryRow = (token * NumHeads + head) * _headDim;
                    int headOffset = head / _group * _headDim;
                    var scores = new double[context];
                    for (int j = 0; j < context; j++)
                    {
                        int row = (table[j / _blockSize] * _blockSize + j % _blockSize) * _kv.SlotStride + headOffset;
                        for (int i = 0; i < _headDim; i++)
                        {
                            scores[j] += (double)_query[queryRow + i] * _keys[row + i];
                        }

                        scores[j] *= scale;
                    }

                    double max = scores.Max();
                    double sum = scores.Sum(s => Math.Exp(s - max));
                    for (int j = 0; j < context; j++)
                    {
                        double weight = Math.Exp(scores[j] - max) / sum;
                        int row = (table[j / _blockSize] * _blockSize + j % _blockSize) * _kv.SlotStride + headOffset;
                        for (int i = 0; i < _headDim; i++)
                        {
                            output[queryRow + i] += weight * _values[row + i];
                        }
                    }
                }
            }

            return output;
        }

        private static void RoundToBfloat16(float[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BFloat16.ToSingle(BFloat16.FromSingle(values[i]));
            }
        }

        private float[] RandomValues(int count, float range)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = (float)(_random.NextDouble() * 2 - 1) * range;
            }

            return values;
        }
    }
}

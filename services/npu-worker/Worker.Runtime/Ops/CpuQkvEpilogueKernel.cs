using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// Bias, per-head RMSNorm, RoPE and the KV write of the stacked QKV rows, one token's row at a time: each head is read
/// once from the matmul's output and written once where attention reads it (q to the query rows, k into the transposed
/// key columns, v into the value rows), instead of a bias pass, three copies, two RoPE passes and a KV write over
/// copies. The arithmetic is the separate passes' operation for operation (an add, then the norm, then
/// x1 cos - x2 sin and x2 cos + x1 sin without fused multiply-adds), so the results are theirs bit for bit.
/// </summary>
public sealed unsafe class CpuQkvEpilogueKernel : IQkvEpilogueKernel, IParallelWork
{
    /// <summary>Largest head size a key is staged for on the stack.</summary>
    private const int MaxStackHeadDim = 512;

    /// <summary>
    /// From this many tokens the pass is split over the pool's threads, <see cref="TokensPerChunk"/> tokens a chunk: its
    /// stores wait on cold KV lines, and two threads wait on twice as many at once (16 tokens, the 0.5B decode step on the
    /// 2-core Zen 5: 27-38 -> 19-21 us a layer). Fewer tokens stay on the calling thread, where handing out work would
    /// cost about what it saves.
    /// </summary>
    private const int MinParallelTokens = 16;

    private const int TokensPerChunk = 8;

    /// <summary>
    /// Up to this many tokens <see cref="Prepare"/> prefetches their KV lines (Q8_0 0.5B decode step on the 2-core Zen 5,
    /// op time a layer with and without, alternated runs: 1 token 2.3-2.6 -> 1.3 us, 4 tokens 7.3-8.2 -> 4.7-5.1, 8 tokens
    /// 15.6-15.9 -> 9.0-11.1; 16 tokens 26.6-35.9 against 27.2-27.6, no gain, so longer steps go without).
    /// </summary>
    private const int MaxPrefetchTokens = 8;

    private readonly ComputeThreadPool? _pool;
    private Run _run;
    private int _tokens;

    /// <summary>On the calling thread alone.</summary>
    public CpuQkvEpilogueKernel()
    {
    }

    /// <summary>Steps of <see cref="MinParallelTokens"/> or more tokens split over <paramref name="pool"/>.</summary>
    public CpuQkvEpilogueKernel(ComputeThreadPool pool)
    {
        _pool = pool;
    }

    /// <summary>
    /// Prefetches each slot's KV lines for a step of a few tokens: a token's keys go to one line per element and head
    /// (2 x 64 on the 0.5B sizes), cold since the step before, and the stores otherwise wait on them after the matmul.
    /// </summary>
    public void Prepare(KvLayer kv, ReadOnlySpan<int> slots)
    {
        if (slots.Length > MaxPrefetchTokens)
        {
            return;
        }

        foreach (int slot in slots)
        {
            kv.PrefetchSlot(slot);
        }
    }

    public void Apply(ReadOnlySpan<float> qkv, int tokens, int heads, QkvEpilogueWeights weights, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
        Span<float> query, KvLayer kv, ReadOnlySpan<int> slots)
    {
        int d = kv.HeadDim, kvHeads = kv.NumKvHeads, half = d / 2;
        int qWidth = heads * d, kvWidth = kvHeads * d, width = qWidth + 2 * kvWidth;
        if (qkv.Length < tokens * width || query.Length < tokens * qWidth || slots.Length < tokens
            || cos.Length < tokens * half || sin.Length < tokens * half)
        {
            throw new ArgumentException($"QKV epilogue buffers too small for {tokens} tokens of {heads} + 2 x {kvHeads} heads of {d}.");
        }

        if (weights.Bias is { } b && b.Length != width)
        {
            throw new ArgumentException($"The QKV bias has {b.Length} values for rows of {width}.", nameof(weights));
        }

        fixed (float* qkvp = qkv)
        fixed (float* cosp = cos)
        fixed (float* sinp = sin)
        fixed (float* queryp = query)
        fixed (int* slotp = slots)
        {
            var run = new Run(qkvp, cosp, sinp, queryp, slotp, heads, weights, kv);
            if (_pool is null || tokens < MinParallelTokens)
            {
                run.Tokens(0, tokens);
                return;
            }

            _run = run;
            _tokens = tokens;
            try
            {
                _pool.Run(this, (tokens + TokensPerChunk - 1) / TokensPerChunk);
            }
            finally
            {
                _run = default;
            }
        }
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        int first = chunkIndex * TokensPerChunk;
        _run.Tokens(first, Math.Min(first + TokensPerChunk, _tokens));
    }

    /// <summary>One call's buffers (pinned for its length) and its layer's tensors.</summary>
    private readonly struct Run(float* qkv, float* cos, float* sin, float* query, int* slots, int heads, QkvEpilogueWeights weights, KvLayer kv)
    {
        /// <summary>Tokens [first, end): each one's row read once, its heads written where attention reads them.</summary>
        public void Tokens(int first, int end)
        {
            int d = kv.HeadDim, kvHeads = kv.NumKvHeads, half = d / 2;
            int qWidth = heads * d, kvWidth = kvHeads * d, width = qWidth + 2 * kvWidth;
            Span<float> key = d <= MaxStackHeadDim ? stackalloc float[d] : new float[d];
            Span<float> value = d <= MaxStackHeadDim ? stackalloc float[d] : new float[d];
            for (int t = first; t < end; t++)
            {
                int slot = slots[t];
                var row = new ReadOnlySpan<float>(qkv + (long)t * width, width);
                var c = new ReadOnlySpan<float>(cos + (long)t * half, half);
                var s = new ReadOnlySpan<float>(sin + (long)t * half, half);
                var q = new Span<float>(query + (long)t * qWidth, qWidth);
                AddBias(row[..qWidth], weights.Bias, 0, q);
                for (int h = 0; h < heads; h++)
                {
                    Finish(q.Slice(h * d, d), weights.QueryNorm, weights.Eps, c, s);
                }

                for (int h = 0; h < kvHeads; h++)
                {
                    int k = qWidth + h * d;
                    AddBias(row.Slice(k, d), weights.Bias, k, key);
                    Finish(key, weights.KeyNorm, weights.Eps, c, s);
                    kv.StoreKey(slot, h, key);
                    int v = qWidth + kvWidth + h * d;
                    AddBias(row.Slice(v, d), weights.Bias, v, value);
                    kv.StoreValue(slot, h, value);
                }
            }
        }
    }

    /// <summary>destination = values + bias[offset..] (or a copy of values without a bias).</summary>
    private static void AddBias(ReadOnlySpan<float> values, float[]? bias, int offset, Span<float> destination)
    {
        if (bias is null)
        {
            values.CopyTo(destination);
        }
        else
        {
            TensorPrimitives.Add(values, bias.AsSpan(offset, values.Length), destination);
        }
    }

    /// <summary>One q or k head: RMSNorm where the model has one, then RoPE.</summary>
    private static void Finish(Span<float> head, float[]? norm, float eps, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        if (norm is not null)
        {
            CpuRmsNormKernel.NormalizeRow(head, norm, eps, head);
        }

        Rotate(head, cos, sin);
    }

    /// <summary>rotate_half RoPE (Qwen2/NeoX): dimension i pairs with i + d/2. out[i] = x[i] cos - x[i + d/2] sin; out[i + d/2] = x[i + d/2] cos + x[i] sin.</summary>
    private static void Rotate(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = cos.Length;
        var first = head[..half];
        var second = head.Slice(half, half);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= half; i += Vector256<float>.Count)
            {
                var x1 = Vector256.Create(first[i..]);
                var x2 = Vector256.Create(second[i..]);
                var c = Vector256.Create(cos[i..]);
                var s = Vector256.Create(sin[i..]);
                (x1 * c - x2 * s).CopyTo(first[i..]);
                (x2 * c + x1 * s).CopyTo(second[i..]);
            }
        }

        for (; i < half; i++)
        {
            float x1 = first[i];
            float x2 = second[i];
            first[i] = x1 * cos[i] - x2 * sin[i];
            second[i] = x2 * cos[i] + x1 * sin[i];
        }
    }
}

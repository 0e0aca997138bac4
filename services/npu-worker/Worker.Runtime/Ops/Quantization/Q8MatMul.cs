using System.Diagnostics;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// y[t, n] = sum_k x[t, k] * W[n, k] for Q8_0 weights, the activations quantized to Q8_0 blocks first (tokens in
/// parallel). Three shapes of work:
/// - From eight tokens (half a group of vector lanes on AVX-512, where a group is 16; a whole one on AVX2, where it is
///   8; prefill, batched decode) the tokens go across the lanes (Q8MatMul.TokenLanes.cs): each chunk walks bands of rows that fit in L2, which every
///   token group passes over (AVX-512: widened to int16 once per band, <see cref="Q8LaneTilesAvx512"/>; AVX2: the int8
///   rows read in place, two groups per pass, <see cref="Q8ByteLaneTilesAvx2"/>).
/// - Fewer tokens (decode, a few sequences, a speculative step's drafts): one chunk of rows per thread, sized by its pace, then
///   smaller ones over the last 32nd or 16th (<see cref="GuidedRowChunks.PlanPacedDecode"/>, <see cref="OneTokenTailShare"/>); rows of up to 2048 bytes four at a time from the chunk's
///   four quarters, each weight block read from memory once for every token (<see cref="Q8Avx2TileKernels"/>: 4 x 2
///   register tiles, a last odd token 4 x 1), longer rows one at a time (<see cref="Q8Avx2DecodeKernel"/>; on AvxVnni
///   with the weights made unsigned, which saves a load per block).
/// The row-major kernels run on 256-bit vectors on both paths: .NET 10 exposes no AVX512-VNNI, 512-bit int8 products
/// need two extra operations for the missing byte sign instruction, and Zen 4 splits 512-bit operations into two
/// halves; measured per core there, 512-bit versions ran at half the rate (decode) and 0.8-1.0x (4 x 2 tiles).
/// </summary>
internal sealed unsafe partial class Q8MatMul(ComputeThreadPool pool, CpuIsa isa) : IParallelWork
{
    /// <summary>
    /// Up to this many bytes per row, decoding tokens read four rows side by side, one from each quarter of their
    /// chunk (<see cref="Q8Avx2TileKernels.Rows4x1"/>, prefetching each), instead of one row at a time: each
    /// activation load then feeds four rows, and the four streams keep more reads in flight. The 0.5B decode step's
    /// matmuls, variants alternated step by step in one process (Zen 4, two threads, 900 steps): a median 3-11% less
    /// time than one row at a time in 6 of 6 runs, from the k = 896 matrices; on the k = 4864 one four rows were 0-20%
    /// slower (again no faster on Zen 5, 2 runs of 1000 steps; and after session 37's rewrite on a Zen 4 without
    /// AVX-VNNI, session 50: 0.59-0.85 of the same round's gate/up rate against 0.89-1.02, builds alternated six times). Between the two, one token from memory (Zen 5, two
    /// threads, 20 matrices of about 6 MiB per row length, the two layouts and kernels alternated round by round in one
    /// process, 10-12 rounds): four rows read 62.7-68.3 against 53.7-61.1 GB/s at 1536 bytes (11-12 of 12 rounds
    /// faster), 63.9-69.2 against 58.7-60.1 at 2048 (8-12 of 12), 59.9-64.0 against 59.6-64.7 at 2560 (10 of 12 one run,
    /// 1 of 10 the next), the same at 3072 and 3584, and 55.4-57.9 against 59.4-64.3 at 4864 (1-2 of 12); two tokens 39-42
    /// against 34-38 GB/s up to 2048 bytes, and slower from 2560 (0-1 of 10). The AVX2 path measured the same (1536:
    /// 62.8 against 55.8, 2048: 64.9 against 56.5, 4864: 57.6 against 62.3). In the 1.5B sizes' decode step (Qwen2.5-1.5B,
    /// rows of 1536 bytes in every matrix but the down projection), builds alternated: 28-30 against 37 ms a step in
    /// the same 60-65 GB/s windows, the gate/up projection and LM head 66-73 against 46-50 GB/s.
    /// Four is the measured optimum, not a register limit (Zen 5, 1000 steps, 2-3 runs each): four neighbouring rows
    /// (one stream per thread) took 50% more time, eight rows from the chunk's eighths 10-15% more at prefetch
    /// distances of 512-1536 bytes.
    /// </summary>
    internal const int MaxRowBytesForFourRowDecode = 2048;

    /// <summary>
    /// One-token matvecs split all but a 32nd of the rows between the threads by their pace, the rest in guided chunks
    /// (<see cref="GuidedRowChunks.PlanPacedDecode"/>); few-token ones keep a 16th back. On the 2-vCPU Zen 5 one core ran
    /// 10-80% slower than the other for seconds at a time, either core, whichever rows it had (timed chunk by chunk,
    /// sessions 40-41), and these kernels, bound by their arithmetic as much as by memory, went at its pace. Split
    /// equally with a quarter in the tail (session 40's answer), the threads finished together, but the tail's short
    /// chunks streamed at a fraction of the even chunks' rate: a 1/16 tail of the 896 x 896 matrix, 56 rows, took 3.3 us.
    /// The 0.5B decode step, variants alternated round by round in one process (100-step rounds, 10-12 each; session
    /// 41): one token 8.19 ms against 8.50 with the equal split and a quarter (8.35 with a 16th, 8.44 an 8th), 8.57
    /// against 8.80, and 8.82 against 10.13 in a slow hour; two tokens 15.55 with a 16th, 16.07 a 32nd, 16.59 before;
    /// four tokens the same within the noise. BF16 one-token steps measured the same paced (15.06 against 14.99 ms):
    /// bound by memory, its threads barely wait for each other, and they keep the plain split.
    /// </summary>
    private const int OneTokenTailShare = 32;

    /// <summary>The tail share of two to seven tokens' matvecs (see <see cref="OneTokenTailShare"/>).</summary>
    private const int FewTokensTailShare = 16;

    private const int MinRowsPerChunk = 16;
    private const int MaxRowsPerChunk = 256;

    /// <summary>Up to this many tokens the caller quantizes them itself: a few microseconds, less than waking the pool.</summary>
    private const int InlineQuantizeTokens = 4;

    /// <summary>Weight bytes of a band when many tokens pass over it: about half a Zen 3/4 core's L2.</summary>
    private const int WeightBandBytes = 256 * 1024;

    private readonly Q8Activations _activations = new();
    private readonly GuidedRowChunks _decodeChunks = new();
    private readonly AlignedBuffer<float>[] _scales = [.. Enumerable.Repeat(AlignedBuffer<float>.Empty, pool.WorkerCount)];
    private Phase _phase;
    private float* _x;
    private float* _y;
    private int _tokens;
    private int _rowsPerChunk;
    private WeightMatrix? _weight;

    /// <summary>What the pool's chunks are doing in the current parallel run.</summary>
    private enum Phase
    {
        QuantizeTokens,
        QuantizeLanes,
        Decode,
        LaneTiles,
    }

    public void MatMul(float* x, int tokens, WeightMatrix weight, float* y)
    {
        if (tokens >= MinTokensForLanes)
        {
            LaneMatMul(x, tokens, weight, y);
            return;
        }

        int kp = weight.Q8RowLength;
        _activations.Prepare(tokens, weight.Cols);
        _x = x;
        _y = y;
        _tokens = tokens;
        EnsureScratch(kp / Q8Block.Size);
        _weight = weight;
        try
        {
            if (tokens <= InlineQuantizeTokens)
            {
                for (int t = 0; t < tokens; t++)
                {
                    _activations.QuantizeToken(t, x + (long)t * weight.Cols, weight.Cols);
                }
            }
            else
            {
                _phase = Phase.QuantizeTokens;
                pool.Run(this, tokens);
            }

            _phase = Phase.Decode;
            pool.Run(this, _decodeChunks.PlanPacedDecode(weight.Rows, pool.WorkerCount, MinRowsPerChunk, tokens == 1 ? OneTokenTailShare : FewTokensTailShare));
            _decodeChunks.UpdatePace();
        }
        finally
        {
            _weight = null;
        }
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        var w = _weight!;
        switch (_phase)
        {
            case Phase.QuantizeTokens:
                _activations.QuantizeToken(chunkIndex, _x + (long)chunkIndex * w.Cols, w.Cols);
                return;
            case Phase.QuantizeLanes:
                _lanes.QuantizeGroup(chunkIndex, _x, w.Cols);
                return;
            case Phase.LaneTiles:
                ExecuteLaneTiles(w, chunkIndex, workerIndex);
                return;
        }

        long start = Stopwatch.GetTimestamp();
        int chunk = _decodeChunks.Assign(chunkIndex, workerIndex);
        Decode(w, _decodeChunks.Start(chunk), _decodeChunks.End(chunk), _scales[workerIndex].Pointer);
        _decodeChunks.Ran(chunk, workerIndex, Stopwatch.GetTimestamp() - start);
    }

    /// <summary>
    /// The tokens over rows [first, last), each row's scales combined with each token's (one float per block). Short rows
    /// (<see cref="MaxRowBytesForFourRowDecode"/>): four rows side by side from the chunk's four quarters, two tokens at a
    /// time (the four rows' blocks stay in L1 for the next two), so every weight is read from memory once however many
    /// tokens there are; otherwise one row at a time, which streams sequentially (as the BF16 decode kernels do for short
    /// rows), each token in turn reading it from L1.
    /// </summary>
    private void Decode(WeightMatrix w, int first, int last, float* scales)
    {
        int kp = w.Q8RowLength;
        int blocks = kp / Q8Block.Size;
        int n = w.Rows;
        if (kp <= MaxRowBytesForFourRowDecode)
        {
            int quarter = (last - first) / 4;
            long quarterBytes = (long)quarter * w.Q8RowStride;
            long scaleQuarterBytes = (byte*)w.Q8RowScales(first + quarter) - (byte*)w.Q8RowScales(first);
            for (int row = first; row < first + quarter; row++)
            {
                sbyte* wr = w.Q8Row(row);
                ushort* rowScales = w.Q8RowScales(row);
                for (int t = 0; t < _tokens; t += 2)
                {
                    float* y = _y + (long)t * n + row;
                    if (t + 1 < _tokens)
                    {
                        Q8Avx2TileKernels.Rows4x2(wr, quarterBytes, kp, w.Q8RowStride, rowScales, scaleQuarterBytes, _activations.BlockScales(t), _activations.BlockScales(t + 1),
                            scales, _activations.Token(t), _activations.Token(t + 1), y, quarter, n);
                    }
                    else
                    {
                        Q8Avx2TileKernels.Rows4x1(wr, quarterBytes, kp, w.Q8RowStride, rowScales, scaleQuarterBytes, _activations.BlockScales(t), scales, _activations.Token(t), y,
                            quarter);
                    }
                }
            }

            first += 4 * quarter;
        }

        for (int row = first; row < last; row++)
        {
            sbyte* wr = w.Q8Row(row);
            ushort* rowScales = w.Q8RowScales(row);
            for (int t = 0; t < _tokens; t++)
            {
                _y[(long)t * n + row] = Q8Avx2DecodeKernel.Row(wr, rowScales, blocks, _activations, t, scales);
            }
        }
    }

    /// <summary>
    /// Per-thread scale scratch (four rows' scales combined with two tokens'), grown to the largest seen; on cache lines
    /// of its own (<see cref="AlignedBuffer{T}"/>), as each row rewrites it.
    /// </summary>
    private void EnsureScratch(int blocks)
    {
        int needed = 8 * Q8Avx2TileKernels.ScaleRowLength(blocks);
        for (int i = 0; i < _scales.Length; i++)
        {
            if (_scales[i].Length < needed)
            {
                _scales[i] = new AlignedBuffer<float>(needed);
            }
        }
    }
}

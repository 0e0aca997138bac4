using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// SwiGLU on the gate/up projection's rows, on the compute threads: row t of [T, 2I] holds gate_t | up_t, and
/// silu(gate) * up lands packed as row t of [T, I] at the start of the same buffer (the down projection's input).
/// The work is split by columns, each chunk walking every token in order. That makes the in-place packing safe in
/// parallel: token t's output (t * I + c) is only ever a place that token t / 2 read (its gate at 2 * (t / 2) * I + c,
/// or its up), in the same column, and so in the same chunk, earlier. Each value is one pass, sigmoid(g) * (g * u)
/// (<see cref="FastExp"/>), the same value however the columns are chunked and whichever vector width takes it.
/// Serial (three TensorPrimitives passes then) it took 0.86-0.96 ms a layer of a 128-token prefill on the 0.5B sizes, about 9% of the prefill; split over
/// two threads 0.35-0.36 ms (Zen 5, variants alternated round by round in bench-model). One decoding token's row
/// (4864 values, about 4 us) stays on one thread: split, it took as long, the hand-off eating the gain.
/// </summary>
public sealed class CpuSwiGluKernel(ComputeThreadPool pool) : ISwiGluKernel, IParallelWork
{
    /// <summary>Values (tokens x columns) a chunk gets at least: about 8 us of work, well above a hand-off.</summary>
    private const int MinChunkValues = 16 * 1024;

    private float[]? _gateUp;
    private int _tokens;
    private int _intermediate;
    private int _chunkColumns;

    public void SwiGlu(float[] gateUp, int tokens, int intermediate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gateUp.Length, tokens * 2 * intermediate, nameof(gateUp));
        int chunks = (int)Math.Clamp((long)tokens * intermediate / MinChunkValues, 1, Math.Min(pool.WorkerCount, intermediate / 16 + 1));

        // Whole cache lines per chunk, so two threads never write the same line.
        _chunkColumns = ((intermediate + chunks - 1) / chunks + 15) / 16 * 16;
        _gateUp = gateUp;
        _tokens = tokens;
        _intermediate = intermediate;
        try
        {
            pool.Run(this, (intermediate + _chunkColumns - 1) / _chunkColumns);
        }
        finally
        {
            _gateUp = null;
        }
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        var rows = _gateUp.AsSpan();
        int inter = _intermediate;
        int first = chunkIndex * _chunkColumns;
        int count = Math.Min(_chunkColumns, inter - first);
        for (int t = 0; t < _tokens; t++)
        {
            var gate = rows.Slice(t * 2 * inter + first, count);
            var up = rows.Slice(t * 2 * inter + inter + first, count);
            SiluTimesUp(gate, up, rows.Slice(t * inter + first, count));    // sigmoid(g) * (g * u), packed
        }
    }

    /// <summary>
    /// destination[i] = sigmoid(gate[i]) * (gate[i] * up[i]) in one pass (<see cref="FastExp"/>; the widest vectors,
    /// then 256-bit ones, the last values in a padded 256-bit copy, all computing the same value). The destination may start at gate, or anywhere before
    /// it in the same buffer: each value is read before its place is written.
    /// </summary>
    private static void SiluTimesUp(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> destination)
    {
        int n = gate.Length;
        ref float g = ref MemoryMarshal.GetReference(gate);
        ref float u = ref MemoryMarshal.GetReference(up);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
            {
                var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                (FastExp.Sigmoid(gv) * (gv * Vector512.LoadUnsafe(ref u, (nuint)i))).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
        {
            var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
            (FastExp.Sigmoid(gv) * (gv * Vector256.LoadUnsafe(ref u, (nuint)i))).StoreUnsafe(ref d, (nuint)i);
        }

        if (i < n)
        {
            // The last values through the same vector form, in padded copies (read before destination is written).
            int rest = n - i;
            Span<float> g8 = stackalloc float[Vector256<float>.Count];
            Span<float> u8 = stackalloc float[Vector256<float>.Count];
            gate[i..].CopyTo(g8);
            up[i..].CopyTo(u8);
            var gv = Vector256.Create((ReadOnlySpan<float>)g8);
            (FastExp.Sigmoid(gv) * (gv * Vector256.Create((ReadOnlySpan<float>)u8))).CopyTo(g8);
            g8[..rest].CopyTo(destination[i..]);
        }
    }
}

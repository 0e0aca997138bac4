using System.Diagnostics;

namespace Worker.Runtime.Ops;

/// <summary>
/// Wall time of each op of the forward passes, for profiling (`bench-model --profile`): <see cref="Wrap"/> puts a
/// timing decorator over every kernel of a <see cref="DeviceOps"/>, which counts while <see cref="Enabled"/> is set.
/// Matmuls are counted per weight matrix (with the bytes each call reads), the other ops per kind. The ops run on the
/// thread that drives the forward pass (each one splits its own work over the pool), so the counts need no lock.
/// </summary>
public sealed class OpTimings
{
    private readonly Dictionary<WeightMatrix, (long Ticks, long Calls)> _matmuls = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, (long Ticks, long Calls)> _ops = [];

    /// <summary>Whether calls are counted now (a profile counts only the steps it measures).</summary>
    public bool Enabled { get; set; }

    /// <summary>The ops with every kernel timed; what the kernels compute is unchanged.</summary>
    public DeviceOps Wrap(DeviceOps ops) => ops with
    {
        MatMul = new TimedMatMul(ops.MatMul, this),
        RmsNorm = new TimedRmsNorm(ops.RmsNorm, this),
        QkvEpilogue = new TimedQkvEpilogue(ops.QkvEpilogue, this),
        Attention = new TimedAttention(ops.Attention, this),
        SwiGlu = new TimedSwiGlu(ops.SwiGlu, this),
        Softmax = new TimedSoftmax(ops.Softmax, this),
    };

    /// <summary>Forgets every count.</summary>
    public void Reset()
    {
        _matmuls.Clear();
        _ops.Clear();
    }

    /// <summary>Matmuls summed by weight shape ("matmul [rows x cols]", each with the bytes its calls read), then the other ops by kind.</summary>
    public IReadOnlyList<OpTime> Snapshot()
    {
        var matmuls = _matmuls
            .GroupBy(m => (m.Key.Rows, m.Key.Cols, m.Key.Format))
            .Select(g => new OpTime(
                $"matmul [{g.Key.Rows} x {g.Key.Cols}] {g.Key.Format}",
                g.Sum(m => m.Value.Calls),
                Seconds(g.Sum(m => m.Value.Ticks)),
                g.Sum(m => m.Value.Calls * m.Key.Bytes)))
            .OrderByDescending(t => t.Seconds);
        var others = _ops.Select(o => new OpTime(o.Key, o.Value.Calls, Seconds(o.Value.Ticks), 0)).OrderByDescending(t => t.Seconds);
        return [.. matmuls, .. others];
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    private void AddMatMul(WeightMatrix weight, long started)
    {
        long ticks = Stopwatch.GetTimestamp() - started;
        _matmuls[weight] = _matmuls.TryGetValue(weight, out var sum) ? (sum.Ticks + ticks, sum.Calls + 1) : (ticks, 1);
    }

    private void Add(string op, long started)
    {
        long ticks = Stopwatch.GetTimestamp() - started;
        _ops[op] = _ops.TryGetValue(op, out var sum) ? (sum.Ticks + ticks, sum.Calls + 1) : (ticks, 1);
    }

    private sealed class TimedMatMul(IMatMulKernel inner, OpTimings timings) : IMatMulKernel
    {
        public void MatMul(ReadOnlySpan<float> x, int tokens, WeightMatrix weight, Span<float> y)
        {
            long started = Stopwatch.GetTimestamp();
            inner.MatMul(x, tokens, weight, y);
            if (timings.Enabled)
                timings.AddMatMul(weight, started);
        }
    }

    private sealed class TimedRmsNorm(IRmsNormKernel inner, OpTimings timings) : IRmsNormKernel
    {
        public void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y)
        {
            long started = Stopwatch.GetTimestamp();
            inner.RmsNorm(x, weight, eps, y);
            if (timings.Enabled)
                timings.Add("rmsnorm", started);
        }
    }

    private sealed class TimedQkvEpilogue(IQkvEpilogueKernel inner, OpTimings timings) : IQkvEpilogueKernel
    {
        /// <summary>Untimed: a few prefetches, counted with the step's time outside the ops.</summary>
        public void Prepare(KvLayer kv, ReadOnlySpan<int> slots) => inner.Prepare(kv, slots);

        public void Apply(ReadOnlySpan<float> qkv, int tokens, int heads, QkvEpilogueWeights weights, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
            Span<float> query, KvLayer kv, ReadOnlySpan<int> slots)
        {
            long started = Stopwatch.GetTimestamp();
            inner.Apply(qkv, tokens, heads, weights, cos, sin, query, kv, slots);
            if (timings.Enabled)
                timings.Add("qkv epilogue", started);
        }
    }

    private sealed class TimedAttention(IPagedAttentionKernel inner, OpTimings timings) : IPagedAttentionKernel
    {
        public void Attend(ReadOnlySpan<float> query, Span<float> output, ForwardBatch batch, KvLayer kv, int numHeads)
        {
            long started = Stopwatch.GetTimestamp();
            inner.Attend(query, output, batch, kv, numHeads);
            if (timings.Enabled)
                timings.Add("attention", started);
        }
    }

    private sealed class TimedSwiGlu(ISwiGluKernel inner, OpTimings timings) : ISwiGluKernel
    {
        public void SwiGlu(float[] gateUp, int tokens, int intermediate)
        {
            long started = Stopwatch.GetTimestamp();
            inner.SwiGlu(gateUp, tokens, intermediate);
            if (timings.Enabled)
                timings.Add("swiglu", started);
        }
    }

    private sealed class TimedSoftmax(ISoftmaxKernel inner, OpTimings timings) : ISoftmaxKernel
    {
        public void Softmax(Span<float> values)
        {
            long started = Stopwatch.GetTimestamp();
            inner.Softmax(values);
            if (timings.Enabled)
                timings.Add("softmax", started);
        }
    }
}

/// <summary>One op's total over the counted steps: its calls, their wall time and, for a matmul, the weight bytes they read.</summary>
public sealed record OpTime(string Op, long Calls, double Seconds, long WeightBytes);

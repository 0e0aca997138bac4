using Worker.Runtime.Ops;

namespace Worker.Runtime.Lora;

/// <summary>
/// Adds the adapters' deltas to a base projection's output rows: y[i] += scale * B (A x[i]) at every row i of a
/// sequence that uses an adapter with a delta on that module; other rows are not touched. The model calls it only when
/// <see cref="ForwardBatch.LoraAdapters"/> is non-empty, so a batch without adapters pays nothing.
/// Rows are split across the compute threads once there is enough of them: one at a time on the calling thread, a
/// 16-sequence decode step of the 0.5B sizes under a rank-8 adapter on all seven projections took 21% longer than
/// without it, the deltas' arithmetic being about 1% of the step's; split over two threads, 2.5-5% (bench-model --lora,
/// Zen 5). One row stays on the caller (the hand-off would cost about what it saves).
/// </summary>
public sealed unsafe class LoraDeltaKernel(ComputeThreadPool? pool) : IParallelWork
{
    /// <summary>Multiply-adds a run must hold before it is split: a few microseconds of work, above a hand-off.</summary>
    private const long MinParallelMacs = 32 * 1024;

    private int[] _rows = new int[64];
    private LoraModuleWeights[] _modules = new LoraModuleWeights[64];
    private int _count;
    private int _chunkRows;
    private float* _x;
    private float* _y;
    private int _xStride;
    private int _yStride;
    private int _yOffset;

    /// <param name="x">The projection's input rows [T, xStride]; each row's first in_features values are read.</param>
    /// <param name="y">The projection's output rows [T, yStride]; the module's out_features values from yOffset are added to.</param>
    public void Add(ForwardBatch batch, int layer, LoraTarget target, ReadOnlySpan<float> x, int xStride, Span<float> y, int yStride, int yOffset)
    {
        long macs = CollectRows(batch, layer, target);
        if (_count == 0)
        {
            return;
        }

        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            _x = xp;
            _y = yp;
            (_xStride, _yStride, _yOffset) = (xStride, yStride, yOffset);
            try
            {
                int chunks = pool is null || _count < 2 || macs < MinParallelMacs ? 1 : Math.Min(pool.WorkerCount, _count);
                _chunkRows = (_count + chunks - 1) / chunks;
                if (chunks == 1)
                {
                    Execute(0, 0);
                }
                else
                {
                    pool!.Run(this, chunks);
                }
            }
            finally
            {
                _x = null;
                _y = null;
            }
        }
    }

    /// <summary>Rows of this call, grouped by adapter (so one adapter's A and B stay in cache across its rows); returns the multiply-adds.</summary>
    private long CollectRows(ForwardBatch batch, int layer, LoraTarget target)
    {
        _count = 0;
        long macs = 0;
        var sequenceOfToken = batch.SequenceOfToken;
        foreach (var adapter in batch.LoraAdapters)
        {
            if (adapter.Module(layer, target) is not { } module)
            {
                continue;
            }

            for (int i = 0; i < sequenceOfToken.Length; i++)
            {
                if (ReferenceEquals(batch.LoraOf(sequenceOfToken[i]), adapter))
                {
                    if (_count == _rows.Length)
                    {
                        Array.Resize(ref _rows, 2 * _count);
                        Array.Resize(ref _modules, 2 * _count);
                    }

                    _rows[_count] = i;
                    _modules[_count] = module;
                    _count++;
                    macs += (long)module.Rank * (module.InFeatures + module.OutFeatures);
                }
            }
        }

        return macs;
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        int first = chunkIndex * _chunkRows, last = Math.Min(_count, first + _chunkRows);
        for (int k = first; k < last; k++)
        {
            var module = _modules[k];
            int row = _rows[k];
            module.AddDelta(
                new ReadOnlySpan<float>(_x + (long)row * _xStride, module.InFeatures),
                new Span<float>(_y + (long)row * _yStride + _yOffset, module.OutFeatures));
        }
    }
}

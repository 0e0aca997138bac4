namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 matmul over 16-row panels (<see cref="Bf16Layout.Panels"/>, the AVX2 path), every token count. From three
/// tokens the tokens split into tiles of at most six (16 = 6 + 5 + 5), each tile's activations transposed once per
/// matmul into a token block; threads take guided chunks of panels and run every token tile over a panel before the
/// next (<see cref="Bf16PanelTiles.Tile{TTokens}"/>), the tiles of a panel prefetching the panel two ahead, each its
/// share, spread over its steps. One token decodes four far-apart panels of a decode chunk side by side
/// (<see cref="Bf16PanelTiles.Decode{TPanels}"/>), two tokens three (<see cref="Bf16PanelTiles.DecodeTwo{TPanels}"/>).
/// Against the row-layout AVX2 kernels (4 rows x 2 token pair tiles, one- and two-row decode streams), the 0.5B
/// matmuls of a step alternated step by step in one process (Zen 5, two threads, AVX2 code): 16 tokens 12.6-17.5% less
/// time, a 128-token prefill 17%, two tokens 12-16% (the 4864-wide down projection nearly twice as fast), one token
/// the same (within 0.5%, after the loop walked pointers instead of indices: it had been 2-5% slower). Prefetching
/// one or three panels ahead measured the same as two; none was slower.
/// </summary>
public sealed unsafe partial class CpuMatMulKernel
{
    /// <summary>How many panels ahead a panel's tiles prefetch.</summary>
    private const int PanelPrefetchAhead = 2;

    private readonly GuidedRowChunks _panelChunks = new();
    private AlignedBuffer<float> _tokenBlocks = AlignedBuffer<float>.Empty;
    private float* _blocks;
    private bool _panelTiles;

    private void Bf16Panels(float* x, int tokens, WeightMatrix weight, float* y)
    {
        int panels = weight.Bf16PanelCount;
        _blocks = tokens == 1 ? x : TokenBlocks(x, tokens, weight.Cols);
        _y = y;
        _tokens = tokens;
        _weight = weight;
        _panelTiles = true;
        try
        {
            _pool.Run(this, tokens <= 2
                ? _panelChunks.PlanDecode(panels, _pool.WorkerCount, 1)
                : _panelChunks.Plan(panels, _pool.WorkerCount, 1));
        }
        finally
        {
            _panelTiles = false;
            _weight = null;
        }
    }

    /// <summary>Each token tile's activations as a token block (<see cref="Bf16PanelTiles.ToTokenBlock"/>), k steps apart, in the reused buffer.</summary>
    private float* TokenBlocks(float* x, int tokens, int k)
    {
        int tiles = TokenTiles(tokens);
        long length = (long)tiles * k * Bf16PanelTiles.TokenSlots;
        if (_tokenBlocks.Length < length)
        {
            _tokenBlocks = new AlignedBuffer<float>(checked((int)length));
        }

        float* blocks = _tokenBlocks.Pointer;
        for (int tile = 0; tile < tiles; tile++)
        {
            TokenTile(tokens, tiles, tile, out int first, out int count);
            Bf16PanelTiles.ToTokenBlock(x + (long)first * k, k, count, blocks + (long)tile * k * Bf16PanelTiles.TokenSlots);
        }

        return blocks;
    }

    /// <summary>Tiles of at most <see cref="Bf16PanelTiles.MaxTokens"/> tokens, as even as they come.</summary>
    private static int TokenTiles(int tokens) => (tokens + Bf16PanelTiles.MaxTokens - 1) / Bf16PanelTiles.MaxTokens;

    /// <summary>Tile <paramref name="tile"/>'s first token and token count: the first tokens % tiles tiles take one more.</summary>
    private static void TokenTile(int tokens, int tiles, int tile, out int first, out int count)
    {
        int each = tokens / tiles;
        int larger = tokens % tiles;
        count = each + (tile < larger ? 1 : 0);
        first = tile * each + Math.Min(tile, larger);
    }

    private void ExecuteBf16Panels(WeightMatrix w, int chunkIndex)
    {
        int first = _panelChunks.Start(chunkIndex);
        int last = _panelChunks.End(chunkIndex);
        if (_tokens == 1)
        {
            DecodePanels(w, first, last);
            return;
        }

        if (_tokens == 2)
        {
            DecodePanelsTwo(w, first, last);
            return;
        }

        const int R = Bf16PanelTiles.Rows;
        int k = w.Cols;
        int n = w.Rows;
        int panels = w.Bf16PanelCount;
        int tiles = TokenTiles(_tokens);
        long panelLines = (long)k * R * sizeof(ushort) / CacheLine.Bytes;
        for (int p = first; p < last; p++)
        {
            ushort* panel = w.Bf16Panel(p);
            long aheadLines = p + PanelPrefetchAhead < panels ? panelLines : 0;
            int linesPerTile = (int)((aheadLines + tiles - 1) / tiles);
            byte* ahead = (byte*)(panel + PanelPrefetchAhead * w.Bf16PanelStride);
            for (int tile = 0; tile < tiles; tile++)
            {
                TokenTile(_tokens, tiles, tile, out int t0, out int count);
                long firstLine = Math.Min((long)tile * linesPerTile, aheadLines);
                int lines = (int)Math.Min(linesPerTile, aheadLines - firstLine);
                float* x = _blocks + (long)tile * k * Bf16PanelTiles.TokenSlots;
                PanelTile(w, p, count, x, Bf16PanelTiles.TokenSlots, _y + (long)t0 * n, ahead + firstLine * CacheLine.Bytes, lines);
            }
        }
    }

    /// <summary>One token over panels [first, last): four far-apart panels at a time, then the one to three left over side by side.</summary>
    private void DecodePanels(WeightMatrix w, int first, int last)
    {
        const int R = Bf16PanelTiles.Rows;
        int k = w.Cols;
        // Four at a time only over whole panels: a last, zero-padded panel has fewer rows to store.
        int whole = Math.Min(last, w.Rows / R);
        int quarter = Math.Max(0, whole - first) / 4;
        for (int p = first; p < first + quarter; p++)
        {
            Bf16PanelTiles.Decode<TileCount4>(w.Bf16Panel(p), quarter * w.Bf16PanelStride, k, _blocks, _y + (long)p * R, quarter * R);
        }

        // The one to three whole panels left over, side by side, then a padded last panel.
        int rest = first + 4 * quarter;
        long panelValues = w.Bf16PanelStride;
        switch (Math.Max(0, whole - rest))
        {
            case 3:
                Bf16PanelTiles.Decode<TileCount3>(w.Bf16Panel(rest), panelValues, k, _blocks, _y + (long)rest * R, R);
                break;
            case 2:
                Bf16PanelTiles.Decode<TileCount2>(w.Bf16Panel(rest), panelValues, k, _blocks, _y + (long)rest * R, R);
                break;
            case 1:
                Bf16PanelTiles.Decode<TileCount1>(w.Bf16Panel(rest), panelValues, k, _blocks, _y + (long)rest * R, R);
                break;
        }

        for (int p = Math.Max(whole, first); p < last; p++)
        {
            PanelTile(w, p, 1, _blocks, 1, _y, null, 0);
        }
    }

    /// <summary>Two tokens over panels [first, last): three far-apart panels at a time, then the one or two left over side by side.</summary>
    private void DecodePanelsTwo(WeightMatrix w, int first, int last)
    {
        const int R = Bf16PanelTiles.Rows;
        int k = w.Cols;
        int n = w.Rows;
        int whole = Math.Min(last, w.Rows / R);
        int third = Math.Max(0, whole - first) / 3;
        for (int p = first; p < first + third; p++)
        {
            Bf16PanelTiles.DecodeTwo<TileCount3>(w.Bf16Panel(p), third * w.Bf16PanelStride, k, _blocks, _y + (long)p * R, third * R, n);
        }

        int rest = first + 3 * third;
        switch (Math.Max(0, whole - rest))
        {
            case 2:
                Bf16PanelTiles.DecodeTwo<TileCount2>(w.Bf16Panel(rest), w.Bf16PanelStride, k, _blocks, _y + (long)rest * R, R, n);
                break;
            case 1:
                Bf16PanelTiles.DecodeTwo<TileCount1>(w.Bf16Panel(rest), w.Bf16PanelStride, k, _blocks, _y + (long)rest * R, R, n);
                break;
        }

        for (int p = Math.Max(whole, first); p < last; p++)
        {
            PanelTile(w, p, 2, _blocks, Bf16PanelTiles.TokenSlots, _y, null, 0);
        }
    }

    /// <summary>
    /// Panel p times tokens tokens (x: their values at step kk from x + kk * xStep) into y[t, 16p..) (y: the first
    /// token's outputs, tokens Rows apart); a last panel with fewer rows goes through a scratch tile first.
    /// </summary>
    private static void PanelTile(WeightMatrix w, int p, int tokens, float* x, int xStep, float* y, byte* prefetch, int prefetchLines)
    {
        const int R = Bf16PanelTiles.Rows;
        int n = w.Rows;
        int rows = Math.Min(R, n - p * R);
        if (rows == R)
        {
            PanelTile(w.Bf16Panel(p), w.Cols, tokens, x, xStep, y + (long)p * R, n, prefetch, prefetchLines);
            return;
        }

        float* scratch = stackalloc float[Bf16PanelTiles.MaxTokens * R];
        PanelTile(w.Bf16Panel(p), w.Cols, tokens, x, xStep, scratch, R, prefetch, prefetchLines);
        for (int t = 0; t < tokens; t++)
        {
            new ReadOnlySpan<float>(scratch + t * R, rows).CopyTo(new Span<float>(y + (long)t * n + p * R, rows));
        }
    }

    /// <summary>One panel tile through the instantiation compiled for its token count (1..6).</summary>
    private static void PanelTile(ushort* panel, int k, int tokens, float* x, int xStep, float* y, int yStride, byte* prefetch, int prefetchLines)
    {
        switch (tokens)
        {
            case 6:
                Bf16PanelTiles.Tile<TileCount6>(panel, k, x, xStep, y, yStride, prefetch, prefetchLines);
                break;
            case 5:
                Bf16PanelTiles.Tile<TileCount5>(panel, k, x, xStep, y, yStride, prefetch, prefetchLines);
                break;
            case 4:
                Bf16PanelTiles.Tile<TileCount4>(panel, k, x, xStep, y, yStride, prefetch, prefetchLines);
                break;
            case 3:
                Bf16PanelTiles.Tile<TileCount3>(panel, k, x, xStep, y, yStride, prefetch, prefetchLines);
                break;
            case 2:
                Bf16PanelTiles.Tile<TileCount2>(panel, k, x, xStep, y, yStride, prefetch, prefetchLines);
                break;
            default:
                Bf16PanelTiles.Tile<TileCount1>(panel, k, x, xStep, y, yStride, prefetch, prefetchLines);
                break;
        }
    }
}

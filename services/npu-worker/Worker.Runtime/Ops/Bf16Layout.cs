namespace Worker.Runtime.Ops;

/// <summary>How a BF16 weight matrix holds its values: the layout its path's kernels read fastest.</summary>
public enum Bf16Layout
{
    /// <summary>Row-major, each row k values (the checkpoint's order): the AVX-512 path's tiles and decode kernels.</summary>
    Rows,

    /// <summary>
    /// Panels of 16 rows, each panel value by value (panel p at step kk holds rows 16p..16p+15's values at kk, zero past
    /// the last row): the AVX2 path's 16-row tiles (<see cref="Bf16PanelTiles"/>).
    /// </summary>
    Panels,
}

/// <summary>Which <see cref="Bf16Layout"/> each instruction-set path reads.</summary>
public static class Bf16Layouts
{
    /// <summary>The layout the kernels of <paramref name="isa"/> run on.</summary>
    public static Bf16Layout For(CpuIsa isa) => isa == CpuIsa.Avx2 ? Bf16Layout.Panels : Bf16Layout.Rows;
}

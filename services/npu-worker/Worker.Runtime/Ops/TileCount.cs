namespace Worker.Runtime.Ops;

/// <summary>
/// A tile dimension known when the kernel is compiled: a generic kernel instantiated with one of the structs below
/// gets its own machine code in which <see cref="Value"/> is a constant, so the rows or tokens past it, and their
/// accumulators, are removed instead of tested on every step.
/// </summary>
internal interface ITileCount
{
    static abstract int Value { get; }
}

internal readonly struct TileCount1 : ITileCount
{
    public static int Value => 1;
}

internal readonly struct TileCount2 : ITileCount
{
    public static int Value => 2;
}

internal readonly struct TileCount3 : ITileCount
{
    public static int Value => 3;
}

internal readonly struct TileCount4 : ITileCount
{
    public static int Value => 4;
}

internal readonly struct TileCount5 : ITileCount
{
    public static int Value => 5;
}

internal readonly struct TileCount6 : ITileCount
{
    public static int Value => 6;
}

internal readonly struct TileCount7 : ITileCount
{
    public static int Value => 7;
}

internal readonly struct TileCount8 : ITileCount
{
    public static int Value => 8;
}

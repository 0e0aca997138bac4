namespace Inference.Cli.Gguf;

/// <summary>What a conversion wrote: the file, its GGUF architecture, its tensor count and its size in bytes.</summary>
public sealed record GgufConversion(string Path, string Architecture, int TensorCount, long Bytes);

namespace Inference.Gguf;

/// <summary>A tensor to write: its info, and a callback that writes exactly <see cref="GgufTensorInfo.ByteSize"/> bytes.</summary>
public sealed record GgufTensorData(GgufTensorInfo Info, Action<Stream> WriteData);

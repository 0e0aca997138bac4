namespace Worker.Runtime.Checkpoints;

/// <summary>
/// Where a model's weights come from, by Hugging Face tensor name: a safetensors checkpoint folder or a GGUF file.
/// Tensors stay valid until the source is disposed.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>The folder or file the tensors are read from, for messages.</summary>
    string Location { get; }

    bool Contains(string name);

    /// <summary>The tensor, checked against its expected row-major shape.</summary>
    /// <exception cref="InvalidDataException">The tensor is missing or its shape differs (the message names it).</exception>
    TensorView Get(string name, params long[] expectedShape);
}

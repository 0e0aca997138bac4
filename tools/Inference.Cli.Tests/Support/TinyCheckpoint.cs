using Inference.Cli.Gguf;
using Inference.Testing.Checkpoints;

namespace Inference.Cli.Tests.Support;

/// <summary>
/// The tiny seed-0 random Qwen2 checkpoint (fixtures/RANDOM_MODEL.md) and its GGUF files, written once for the tests
/// that share this fixture: F32 and F16, converted by the code under test.
/// </summary>
public sealed class TinyCheckpoint : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public TinyCheckpoint()
    {
        Spec = RandomModelSpec.FromPreset("tiny", 0);
        Directory = _directory.File("tiny");
        RandomCheckpointWriter.Write(Directory, Spec);
        F32Gguf = _directory.File("tiny-f32.gguf");
        F16Gguf = _directory.File("tiny-f16.gguf");
        HfToGgufConverter.Convert(Directory, F32Gguf, GgufOutputType.F32);
        HfToGgufConverter.Convert(Directory, F16Gguf, GgufOutputType.F16);
    }

    public RandomModelSpec Spec { get; }

    public string Directory { get; }

    public string F32Gguf { get; }

    public string F16Gguf { get; }

    public void Dispose() => _directory.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TinyCheckpointCollection : ICollectionFixture<TinyCheckpoint>
{
    public const string Name = "tiny checkpoint";
}

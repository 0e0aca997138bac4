using Inference.Testing.Checkpoints;
using Worker.Runtime;

namespace Worker.Tests.Support;

/// <summary>The tiny seed-0 checkpoint of fixtures/RANDOM_MODEL.md, written once per test run.</summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public TinyModelFixture()
    {
        RandomCheckpointWriter.Write(ModelPath, RandomModelSpec.FromPreset("tiny", 0));
        Runner = ModelRunner.Load(ModelPath, new ModelRunnerOptions { NumBlocks = 64, Threads = 2 });
    }

    public string ModelPath => Path.Combine(_directory.Path, "tiny");

    /// <summary>A shared runner: tests using it must finish every request they start.</summary>
    public ModelRunner Runner { get; }

    public void Dispose()
    {
        Runner.Dispose();
        _directory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class TinyModelCollection : ICollectionFixture<TinyModelFixture>
{
    public const string Name = "tiny model";
}

using Inference.Testing.Checkpoints;
using Worker.Runtime;

namespace Worker.Tests.Support;

/// <summary>A deterministic random checkpoint written to a temporary folder and loaded into a runner; both go on dispose.</summary>
internal sealed class RandomModelRunner : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    public RandomModelRunner(RandomModelSpec spec, ModelRunnerOptions options)
    {
        RandomCheckpointWriter.Write(_dir.Path, spec);
        Runner = ModelRunner.Load(_dir.Path, options);
    }

    public ModelRunner Runner { get; }

    public void Dispose()
    {
        Runner.Dispose();
        _dir.Dispose();
    }
}

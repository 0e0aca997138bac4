using Worker.Runtime;

namespace Worker.Service;

/// <summary>The loaded model runner, once loading and the warm-up step finished, and this process start's instance id.</summary>
public sealed class ModelHost : IDisposable
{
    private volatile ModelRunner? _runner;

    /// <summary>True once the model is loaded and a one-token step ran.</summary>
    public bool IsReady => _runner is not null;

    public ModelRunner? Runner => _runner;

    /// <summary>
    /// New for every host (one per process start), fixed for its life. KV memory lives and dies with the process,
    /// so the scheduler uses this id to tell a restarted worker from the one its plans (block ids, prefix hits) were made for.
    /// </summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    internal void SetReady(ModelRunner runner) => _runner = runner;

    public void Dispose() => _runner?.Dispose();
}

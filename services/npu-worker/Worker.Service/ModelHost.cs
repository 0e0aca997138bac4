using Worker.Runtime;

namespace Worker.Service;

/// <summary>The loaded model runner, once loading and the warm-up step finished.</summary>
public sealed class ModelHost : IDisposable
{
    private volatile ModelRunner? _runner;

    /// <summary>True once the model is loaded and a one-token step ran.</summary>
    public bool IsReady => _runner is not null;

    public ModelRunner? Runner => _runner;

    internal void SetReady(ModelRunner runner) => _runner = runner;

    public void Dispose() => _runner?.Dispose();
}

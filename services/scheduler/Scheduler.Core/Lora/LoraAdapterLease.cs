namespace Scheduler.Core.Lora;

/// <summary>An admitted request's hold on its adapter: while any is held, an unloaded adapter stays on the workers
/// (its requests still run, or may move to another worker and start there again). Dispose once the request ends.</summary>
internal sealed class LoraAdapterLease(LoraAdapterRegistry registry, ServedLoraAdapter adapter) : IDisposable
{
    private int _released;

    public ServedLoraAdapter Adapter { get; } = adapter;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            registry.Release(Adapter);
        }
    }
}

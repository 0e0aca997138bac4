namespace Worker.Service;

/// <summary>
/// Logs the weight loading's progress once per new tenth, in order, on the loading thread. Not
/// <see cref="Progress{T}"/>: without a synchronization context it posts each report to the thread pool, where they
/// ran out of order and raced on the last tenth logged ("50%, 20%, 70%").
/// </summary>
public sealed class WeightLoadProgressLog(Action<int> logPercent) : IProgress<double>
{
    private readonly Lock _gate = new();
    private int _lastTenth = -1;

    public void Report(double value)
    {
        int tenth = (int)(Math.Clamp(value, 0, 1) * 10);
        lock (_gate)
        {
            if (tenth <= _lastTenth)
            {
                return;
            }

            _lastTenth = tenth;
            logPercent(tenth * 10);
        }
    }
}

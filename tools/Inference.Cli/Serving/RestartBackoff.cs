namespace Inference.Cli.Serving;

/// <summary>
/// The delay before restarting a service that exited, as compose's <c>restart:</c> policy does it: the first
/// restart waits <see cref="Initial"/>, each further one twice as long up to <see cref="Max"/>, and a run that
/// stayed up at least <see cref="ResetAfter"/> starts the count again. Pure: the caller measures the uptime.
/// </summary>
public sealed class RestartBackoff(TimeSpan initial, TimeSpan max, TimeSpan resetAfter)
{
    private int _attempt;

    /// <summary>0.5 s doubling to 10 s; reset after 30 s up.</summary>
    public static RestartBackoff Default() => new(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));

    public TimeSpan Initial { get; } = initial;

    public TimeSpan Max { get; } = max;

    public TimeSpan ResetAfter { get; } = resetAfter;

    /// <summary>The next restart: its attempt number (1 for the first since the last reset) and its delay.</summary>
    /// <param name="uptime">How long the run that just ended stayed up.</param>
    public (int Attempt, TimeSpan Delay) Next(TimeSpan uptime)
    {
        if (uptime >= ResetAfter) _attempt = 0;
        _attempt++;
        // Initial * 2^(attempt - 1), capped at Max (doubling stops there, so it cannot overflow).
        var delay = Initial;
        for (var i = 1; i < _attempt && delay < Max; i++) delay += delay;
        return (_attempt, delay < Max ? delay : Max);
    }
}

namespace Scheduler.Core.Speculation;

/// <summary>What the drafts of applied steps came to, for vLLM's spec-decode metrics and log line.</summary>
public sealed class SpeculationStats
{
    private long[] _acceptedPerPosition = [];

    /// <summary>Decodes that carried drafts.</summary>
    public long NumDrafts { get; private set; }

    public long NumDraftTokens { get; private set; }

    public long NumAcceptedTokens { get; private set; }

    /// <summary>How often the draft at each position (0 = first) was accepted.</summary>
    public IReadOnlyList<long> AcceptedPerPosition => _acceptedPerPosition;

    public bool IsEmpty => NumDrafts == 0;

    /// <summary>One decode with <paramref name="drafted"/> drafts of which the first <paramref name="accepted"/> were kept.</summary>
    public void Add(int drafted, int accepted)
    {
        NumDrafts++;
        NumDraftTokens += drafted;
        NumAcceptedTokens += accepted;
        if (_acceptedPerPosition.Length < drafted)
        {
            Array.Resize(ref _acceptedPerPosition, drafted);
        }

        for (int i = 0; i < accepted; i++)
        {
            _acceptedPerPosition[i]++;
        }
    }

    public void Add(SpeculationStats other)
    {
        NumDrafts += other.NumDrafts;
        NumDraftTokens += other.NumDraftTokens;
        NumAcceptedTokens += other.NumAcceptedTokens;
        if (_acceptedPerPosition.Length < other._acceptedPerPosition.Length)
        {
            Array.Resize(ref _acceptedPerPosition, other._acceptedPerPosition.Length);
        }

        for (int i = 0; i < other._acceptedPerPosition.Length; i++)
        {
            _acceptedPerPosition[i] += other._acceptedPerPosition[i];
        }
    }

    public void Clear()
    {
        NumDrafts = NumDraftTokens = NumAcceptedTokens = 0;
        Array.Clear(_acceptedPerPosition);
    }
}

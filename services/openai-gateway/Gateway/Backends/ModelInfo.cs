namespace Gateway.Backends;

/// <summary>The served model and how many workers serve it now.</summary>
public sealed record ModelInfo(string Name, int MaxModelLen, int VocabSize, int NumWorkers);

namespace Inference.Cli.Benchmarks;

/// <summary>
/// An engine under benchmark: runs one round of <c>batch</c> sequences with pseudo-random prompts of
/// <c>promptTokens</c> tokens each (the same prompts for every engine), prefilled in one step and then decoded for
/// <c>decodeSteps</c> greedy steps, and leaves no state behind.
/// </summary>
public interface IRoundRunner
{
    int VocabSize { get; }

    RoundTimes Round(int batch, int promptTokens, int decodeSteps);
}

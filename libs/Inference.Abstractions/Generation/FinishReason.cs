namespace Inference.Abstractions.Generation;

/// <summary>Why a request stopped generating.</summary>
public enum FinishReason
{
    /// <summary>An EOS or stop token id was generated.</summary>
    Stop,

    /// <summary>max_tokens or the model's context limit was reached.</summary>
    Length,

    /// <summary>A stop string matched in the text.</summary>
    StopString,

    /// <summary>The request was cancelled or the engine shut down.</summary>
    Abort,
}

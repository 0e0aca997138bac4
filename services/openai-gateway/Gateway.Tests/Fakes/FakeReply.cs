using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Fakes;

/// <summary>What the fake scheduler answers: text pieces (one response each), then a finish reason.</summary>
/// <param name="Pieces">One text delta per response; each piece is one token.</param>
/// <param name="Finish">Set on the last response.</param>
/// <param name="StopReason">Sent with the last response.</param>
/// <param name="HangAfterFirst">Send the first piece, then wait until the call is cancelled.</param>
/// <param name="FailAfterFirst">Send the first piece, then fail the call with this status.</param>
/// <param name="Refusal">Refuse the request before any piece, as the engine's validation does: (field, message).</param>
/// <param name="Hold">Send the first <c>After</c> pieces, then wait until <c>Release</c> completes (or the call is
/// cancelled) before the rest: a test decides when the answer goes on.</param>
public sealed record FakeReply(
    string[] Pieces,
    FinishReason Finish,
    string StopReason = "",
    bool HangAfterFirst = false,
    Grpc.Core.StatusCode? FailAfterFirst = null,
    (string Field, string Message)? Refusal = null,
    (int After, Task Release)? Hold = null)
{
    public static FakeReply Default { get; } = new(["Hello", ",", " world"], FinishReason.Length);
}

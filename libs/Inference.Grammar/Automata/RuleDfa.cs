namespace Inference.Grammar.Automata;

/// <summary>
/// The deterministic automaton of one rule: per state, disjoint byte ranges, at most one call per callee, and
/// whether the rule may end there. Every state can reach an end (dead states are trimmed).
/// </summary>
internal sealed class RuleDfa
{
    public List<RuleDfaState> States { get; } = [];

    /// <summary>The start state is always state 0.</summary>
    public const int Start = 0;
}

internal sealed class RuleDfaState
{
    public bool Final { get; set; }

    public List<(byte Lo, byte Hi, int To)> Bytes { get; } = [];

    public List<(int Rule, int To)> Calls { get; } = [];
}

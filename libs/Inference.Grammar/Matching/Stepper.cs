using Inference.Grammar.Automata;

namespace Inference.Grammar.Matching;

/// <summary>
/// The pushdown automaton's moves: <see cref="Expand"/> settles a stack whose top just arrived at a node (pushing
/// callees, popping finished rules) into stacks that stand at nodes with byte edges; <see cref="Advance"/> moves a
/// whole set over one byte.
/// </summary>
internal sealed class Stepper(GrammarAutomaton grammar)
{
    private const int MaxExpansionDepth = 10_000;

    public GrammarAutomaton Grammar { get; } = grammar;

    public void Expand(int node, Frame? parent, StackSet output) => Expand(node, parent, output, 0);

    public void Advance(StackSet from, byte b, StackSet to)
    {
        to.Clear();
        for (int i = 0; i < from.Count; i++)
        {
            var stack = from[i];
            int next = Grammar.Next(stack.Node, b);
            if (next >= 0)
            {
                Expand(next, stack.Parent, to, 0);
            }
        }
    }

    private void Expand(int node, Frame? parent, StackSet output, int depth)
    {
        if (depth > MaxExpansionDepth)
        {
            throw new InvalidOperationException("grammar expansion does not terminate (a loop that consumes no bytes)");
        }
        if (Grammar.HasBytes(node))
        {
            output.Add(new StackTop(node, parent));
        }
        var (start, end) = Grammar.Calls(node);
        for (int c = start; c < end; c++)
        {
            Expand(Grammar.RuleStart[Grammar.CallRule[c]], new Frame(Grammar.CallReturn[c], parent), output, depth + 1);
        }
        if (Grammar.IsFinal[node])
        {
            if (parent is null)
            {
                output.Ended = true;
            }
            else
            {
                Expand(parent.ReturnNode, parent.Parent, output, depth + 1);
            }
        }
    }
}

namespace Inference.Grammar.Matching;

/// <summary>
/// One parse stack: the node the top rule stands at (always a node with byte edges) over the frames below it
/// (null: this is the bottom rule, whose end ends the walk). Moving within a rule allocates nothing.
/// </summary>
internal readonly record struct StackTop(int Node, Frame? Parent)
{
    public bool SameAs(StackTop other) => Node == other.Node && Frame.Same(Parent, other.Parent);
}

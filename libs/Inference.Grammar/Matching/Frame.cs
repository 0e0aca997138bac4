namespace Inference.Grammar.Matching;

/// <summary>
/// A frame below the top of a persistent (immutable, shared) stack: the node of the caller to continue at when the
/// callee ends. Stacks that share a bottom share these objects, so branching and rollback copy nothing.
/// </summary>
internal sealed class Frame(int returnNode, Frame? parent)
{
    public int ReturnNode { get; } = returnNode;

    public Frame? Parent { get; } = parent;

    public static bool Same(Frame? a, Frame? b)
    {
        while (!ReferenceEquals(a, b))
        {
            if (a is null || b is null || a.ReturnNode != b.ReturnNode)
            {
                return false;
            }
            a = a.Parent;
            b = b.Parent;
        }
        return true;
    }
}

namespace Inference.Grammar.Matching;

/// <summary>A small reusable set of stacks (the matcher is nondeterministic across rules), deduplicated by content.</summary>
internal sealed class StackSet
{
    private StackTop[] _items = new StackTop[4];

    public int Count { get; private set; }

    /// <summary>True when some stack ended its bottom rule right after the last byte (the walk could stop here).</summary>
    public bool Ended { get; set; }

    public StackTop this[int i] => _items[i];

    public void Clear()
    {
        Count = 0;
        Ended = false;
    }

    public void Add(StackTop stack)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_items[i].SameAs(stack))
            {
                return;
            }
        }
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, Count * 2);
        }
        _items[Count++] = stack;
    }

    public StackTop[] ToArray() => _items.AsSpan(0, Count).ToArray();
}

using System.Text;

namespace Inference.Grammar.Sources.StructuralTag;

/// <summary>
/// The Aho-Corasick automaton of a set of triggers over code points: a state is the longest suffix of the text read
/// so far that is a prefix of some trigger (state 0: none). <see cref="Completed"/> lists the triggers that end at the
/// last code point read, so a text reaches a state with completed triggers exactly when a trigger first appears in it,
/// overlapping triggers ("&lt;a" and "a&lt;") included.
/// </summary>
internal sealed class TriggerAutomaton
{
    private readonly List<Dictionary<int, int>> _children = [new()];
    private readonly List<int> _fail = [0];
    private readonly List<List<int>> _completed = [[]];
    private readonly int[][] _next;

    public TriggerAutomaton(IReadOnlyList<string> triggers)
    {
        for (int t = 0; t < triggers.Count; t++)
        {
            int state = 0;
            foreach (var rune in triggers[t].EnumerateRunes())
            {
                if (!_children[state].TryGetValue(rune.Value, out int child))
                {
                    child = AddState();
                    _children[state][rune.Value] = child;
                }
                state = child;
            }
            _completed[state].Add(t);
        }
        Alphabet = _children.SelectMany(c => c.Keys).Distinct().Order().ToArray();
        LinkFailures();
        _next = new int[StateCount][];
        for (int state = 0; state < StateCount; state++)
        {
            _next[state] = Alphabet.Select(c => Goto(state, c)).ToArray();
        }
    }

    public int StateCount => _children.Count;

    /// <summary>The code points that occur in a trigger, ascending; any other code point leads to state 0.</summary>
    public int[] Alphabet { get; }

    /// <summary>The state after reading <see cref="Alphabet"/>[<paramref name="letter"/>] in <paramref name="state"/>.</summary>
    public int Next(int state, int letter) => _next[state][letter];

    /// <summary>Indices of the triggers that end at this state (the trigger it spells and those it ends with).</summary>
    public IReadOnlyList<int> Completed(int state) => _completed[state];

    private int AddState()
    {
        _children.Add([]);
        _fail.Add(0);
        _completed.Add([]);
        return _children.Count - 1;
    }

    /// <summary>Breadth first, so a state's failure (a shorter suffix) is linked before the state.</summary>
    private void LinkFailures()
    {
        var queue = new Queue<int>([0]);
        while (queue.Count > 0)
        {
            int state = queue.Dequeue();
            foreach (var (c, child) in _children[state])
            {
                // A child of the root has no shorter suffix; any other follows its parent's failure on c.
                _fail[child] = state == 0 ? 0 : Goto(_fail[state], c);
                _completed[child].AddRange(_completed[_fail[child]]);
                queue.Enqueue(child);
            }
        }
    }

    private int Goto(int state, int c)
    {
        while (true)
        {
            if (_children[state].TryGetValue(c, out int child))
            {
                return child;
            }
            if (state == 0)
            {
                return 0;
            }
            state = _fail[state];
        }
    }
}

using Inference.Grammar.Automata;
using Inference.Grammar.Vocabulary;

namespace Inference.Grammar.Matching;

/// <summary>
/// Precomputes the <see cref="PositionMask"/> of one position by walking the whole token trie with a stack that
/// holds only that position: a token is accepted if some path consumes all its bytes inside the position's rule
/// (or ends the rule exactly at its last byte), uncertain if a path ends the rule before its last byte (what follows
/// depends on the callers), and rejected otherwise. A prefix no path survives skips its subtree.
/// </summary>
internal sealed class PositionMaskBuilder
{
    private readonly Stepper _stepper;
    private readonly TokenVocabulary _vocabulary;
    private readonly StackSet[] _sets;
    private readonly bool[] _escaped;
    private readonly List<int> _accepted = [];
    private readonly List<int> _uncertain = [];

    public PositionMaskBuilder(Stepper stepper, TokenVocabulary vocabulary)
    {
        _stepper = stepper;
        _vocabulary = vocabulary;
        int depth = vocabulary.Trie.MaxTokenLength + 1;
        _sets = new StackSet[depth];
        for (int d = 0; d < depth; d++)
        {
            _sets[d] = new StackSet();
        }
        _escaped = new bool[depth];
    }

    public PositionMask Build(int node)
    {
        var trie = _vocabulary.Trie;
        _accepted.Clear();
        _uncertain.Clear();
        _sets[0].Clear();
        _sets[0].Add(new StackTop(node, null));
        // Ending the rule before any byte is not "uncertain": the matcher's expansion already holds the popped stack.
        _escaped[0] = false;
        int i = 0;
        while (i < trie.NodeCount)
        {
            int d = trie.Depth[i];
            var set = _sets[d];
            _stepper.Advance(_sets[d - 1], trie.Bytes[i], set);
            _escaped[d] = _escaped[d - 1] || set.Ended;
            int token = trie.Token[i];
            if (set.Count > 0)
            {
                if (token >= 0)
                {
                    _accepted.Add(token);
                }
                i++;
                continue;
            }
            if (token >= 0)
            {
                if (set.Ended)
                {
                    _accepted.Add(token);
                }
                else if (_escaped[d - 1])
                {
                    _uncertain.Add(token);
                }
            }
            int end = trie.SubtreeEnd[i];
            if (_escaped[d])
            {
                for (int j = i + 1; j < end; j++)
                {
                    if (trie.Token[j] >= 0)
                    {
                        _uncertain.Add(trie.Token[j]);
                    }
                }
            }
            i = end;
        }
        return Create();
    }

    private PositionMask Create()
    {
        int words = _vocabulary.MaskWords;
        ulong[]? dense = null;
        int[] ids = [];
        if (_accepted.Count > 2 * words)
        {
            dense = new ulong[words];
            foreach (int id in _accepted)
            {
                dense[id >> 6] |= 1UL << (id & 63);
            }
        }
        else
        {
            ids = _accepted.ToArray();
        }
        var uncertain = _uncertain.ToArray();
        var lcp = new int[uncertain.Length];
        for (int k = 1; k < uncertain.Length; k++)
        {
            lcp[k] = _vocabulary.GetBytes(uncertain[k]).CommonPrefixLength(_vocabulary.GetBytes(uncertain[k - 1]));
        }
        return new PositionMask(dense, ids, uncertain, lcp);
    }
}
